// Sizes are bytes everywhere in Gureum; libvirt speaks KiB (memory) and scaled integers (storage). The
// conversions live here and nowhere else.

import { invalidSpec, unexpectedXml } from './errors.js';

/**
 * A size in bytes. Parsers return a `number` when the value is at most `Number.MAX_SAFE_INTEGER`
 * (2^53 − 1, about 8 PiB) and a `bigint` above that, so no value is ever rounded. Builders accept both.
 *
 * @example
 * ```ts
 * const size: ByteCount = 10 * 1024 ** 3; // 10 GiB
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-general-metadata
 */
export type ByteCount = number | bigint;

const KIB = 1024n;

// libvirt's virScaleInteger: b/byte/bytes = 1; k, KiB = 1024; KB = 1000; likewise M, G, T, P, E.
const POWERS: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5, e: 6 };

function scaleOf(unit: string): bigint | undefined {
  const u = unit.toLowerCase();
  if (u === 'b' || u === 'byte' || u === 'bytes') return 1n;
  const power = POWERS[u.charAt(0)];
  if (power === undefined) return undefined;
  const rest = u.slice(1);
  if (rest === '' || rest === 'ib') return KIB ** BigInt(power);
  if (rest === 'b') return 1000n ** BigInt(power);
  return undefined;
}

/** Narrows a bigint to a number when that is exact. */
export function toByteCount(value: bigint): ByteCount {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * Parses a libvirt scaled integer (`<capacity unit='G'>10</capacity>`) into bytes. Units are matched as
 * libvirt matches them: case-insensitively, `b`/`bytes`, `k`/`KiB` (1024), `KB` (1000), up to `E`/`EiB`/`EB`.
 *
 * @param defaultUnit the unit libvirt assumes when the attribute is absent (`bytes` for storage, `KiB` for memory)
 * @example
 * ```ts
 * parseScaledBytes('10', 'GiB'); // 10737418240
 * parseScaledBytes('1', 'EiB');  // 1152921504606846976n (above 2^53: a bigint)
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-general-metadata
 */
export function parseScaledBytes(value: string, unit: string | undefined, defaultUnit = 'bytes'): ByteCount {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed))
    unexpectedXml(`expected a non-negative integer size, got ${JSON.stringify(value)}`);
  const scale = scaleOf(unit ?? defaultUnit);
  if (scale === undefined) unexpectedXml(`unknown size unit ${JSON.stringify(unit)}`);
  return toByteCount(BigInt(trimmed) * scale);
}

/** Checks that a size is a non-negative integer and returns it as a bigint. */
export function checkBytes(value: ByteCount, what: string): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) invalidSpec(`${what} must not be negative`);
    return value;
  }
  if (!Number.isSafeInteger(value) || value < 0)
    invalidSpec(`${what} must be a non-negative integer number of bytes`);
  return BigInt(value);
}

/** Bytes → KiB for `<memory unit='KiB'>`; refuses sizes that are not whole KiB rather than rounding silently. */
export function bytesToKib(value: ByteCount, what: string): bigint {
  const bytes = checkBytes(value, what);
  if (bytes === 0n || bytes % KIB !== 0n) invalidSpec(`${what} must be a positive multiple of 1024 bytes`);
  return bytes / KIB;
}
