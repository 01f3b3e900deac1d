import type { UploadBody, UploadOptions } from './types.js';

/** Slices big byte arrays so that progress is reported while they are sent. */
const CHUNK_BYTES = 256 * 1024;

/** An upload body ready for `fetch`. */
export interface PreparedUpload {
  readonly body: BodyInit;
  /** The Content-Length. */
  readonly size: number;
  /** A stream body (Node's fetch then needs `duplex: 'half'`). */
  readonly isStream: boolean;
  /** Reports the final progress once the server has answered. */
  done(): void;
}

function isBlob(data: UploadBody): data is Blob {
  return typeof Blob !== 'undefined' && data instanceof Blob;
}

function isReadableStream(data: UploadBody): data is ReadableStream<Uint8Array> {
  return typeof ReadableStream !== 'undefined' && data instanceof ReadableStream;
}

function isBytes(data: UploadBody): data is Uint8Array | ArrayBuffer {
  return data instanceof Uint8Array || data instanceof ArrayBuffer;
}

function bytesOf(data: Uint8Array | ArrayBuffer): Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // fetch wants an ArrayBuffer-backed view; copy only when it is backed by something else.
  return data.buffer instanceof ArrayBuffer
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function knownSize(data: UploadBody): number | undefined {
  if (isBlob(data)) return data.size;
  if (isBytes(data)) return data.byteLength;
  return undefined;
}

function toStream(data: UploadBody): ReadableStream<Uint8Array> {
  if (isReadableStream(data)) return data;
  if (isBlob(data)) return data.stream();
  if (isBytes(data)) {
    const bytes = bytesOf(data);
    let offset = 0;
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        if (offset >= bytes.byteLength) {
          controller.close();
          return;
        }
        controller.enqueue(bytes.subarray(offset, offset + CHUNK_BYTES));
        offset += CHUNK_BYTES;
      },
    });
  }
  const iterator = data[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel(reason: unknown) {
      await iterator.return?.(reason);
    },
  });
}

/** Counts the bytes `fetch` pulls from `source` (pull-driven, so the count follows the connection). */
function counting(
  source: ReadableStream<Uint8Array>,
  onChunk: (bytes: number) => void,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await reader.read();
        if (next.done) {
          controller.close();
          return;
        }
        onChunk(next.value.byteLength);
        controller.enqueue(next.value);
      },
      cancel(reason: unknown) {
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Turns an upload body into a `fetch` body with a known size. Blobs and bytes without `onProgress` are sent as
 * they are (browsers stream Blobs/Files themselves); everything else becomes a counted stream.
 */
export function prepareUpload(data: UploadBody, options: UploadOptions): PreparedUpload {
  const known = knownSize(data);
  const size = options.size ?? known;
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(
      'upload: pass { size } (the byte count, sent as Content-Length) for streams and iterables',
    );
  }
  if (known !== undefined && known !== size) {
    throw new TypeError(`upload: size ${size} does not match the body's ${known} bytes`);
  }
  const onProgress = options.onProgress;
  if (!onProgress && (isBlob(data) || isBytes(data))) {
    return { body: isBlob(data) ? data : bytesOf(data), size, isStream: false, done: () => undefined };
  }
  let loaded = 0;
  let reported = -1;
  const report = (): void => {
    if (!onProgress || reported === loaded) return;
    reported = loaded;
    onProgress({ loadedBytes: loaded, totalBytes: size });
  };
  const body = counting(toStream(data), (bytes) => {
    loaded += bytes;
    report();
  });
  return { body, size, isStream: true, done: report };
}
