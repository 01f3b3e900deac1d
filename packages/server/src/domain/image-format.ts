/**
 * Image format detection from the bytes themselves (never from the request), and the qcow2 header checks that
 * keep a hostile image from reaching host files through a backing-file or external-data-file reference.
 */

/** Bytes needed to tell every supported format apart (an ISO's volume descriptor starts at 32 KiB). */
export const FORMAT_PROBE_BYTES = 0x8006;

export type DetectedFormat =
  | { format: 'qcow2'; virtualSizeBytes: number; problem: string | null }
  | { format: 'iso'; virtualSizeBytes: null; problem: null }
  | { format: 'raw'; virtualSizeBytes: null; problem: null };

const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;

/**
 * Detects qcow2, ISO 9660 or raw from the first bytes of an image.
 *
 * @example
 * ```ts
 * detectImageFormat(firstBytes) // { format: 'qcow2', virtualSizeBytes: 67108864, problem: null }
 * ```
 */
export function detectImageFormat(head: Buffer): DetectedFormat {
  if (head.length >= 32 && head.readUInt32BE(0) === QCOW2_MAGIC) {
    const version = head.readUInt32BE(4);
    const backingFileOffset = head.readBigUInt64BE(8);
    const size = head.readBigUInt64BE(24);
    let problem: string | null = null;
    if (version !== 2 && version !== 3) problem = `qcow2 version ${version} is not supported`;
    else if (backingFileOffset !== 0n) problem = 'qcow2 images with a backing file are refused';
    else if (
      version === 3 &&
      head.length >= 80 &&
      (head.readBigUInt64BE(72) & QCOW2_INCOMPAT_DATA_FILE) !== 0n
    ) {
      problem = 'qcow2 images with an external data file are refused';
    } else if (size > BigInt(Number.MAX_SAFE_INTEGER)) problem = 'qcow2 virtual size is absurd';
    return { format: 'qcow2', virtualSizeBytes: Number(size), problem };
  }
  if (head.length >= 0x8006 && head.toString('latin1', 0x8001, 0x8006) === 'CD001') {
    return { format: 'iso', virtualSizeBytes: null, problem: null };
  }
  return { format: 'raw', virtualSizeBytes: null, problem: null };
}
