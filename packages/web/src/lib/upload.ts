import { ApiError, ConnectionError, apiUrl, parseProblem } from '@gureum/client';
import { routes } from '@gureum/contract';

export interface UploadProgress {
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

/**
 * Streams a file to `PUT /images/{id}/content` with XMLHttpRequest: browsers report upload progress for XHR
 * bodies, while a fetch with a ReadableStream body needs HTTP/2. The browser streams the File from disk; nothing
 * is read into memory. Aborting `signal` cancels the upload; a refusal rejects with the problem as `ApiError`.
 */
export function uploadImageFile(options: {
  baseUrl: string;
  token: string | undefined;
  imageId: string;
  file: Blob;
  onProgress: (progress: UploadProgress) => void;
  signal: AbortSignal;
}): Promise<void> {
  const path = routes.uploadImageContent.url.replace(':id', encodeURIComponent(options.imageId));
  const url = apiUrl(options.baseUrl, path);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.setRequestHeader('accept', 'application/json, application/problem+json');
    if (options.token) xhr.setRequestHeader('authorization', `Bearer ${options.token}`);
    xhr.upload.onprogress = (e) => {
      options.onProgress({
        loadedBytes: e.loaded,
        totalBytes: e.lengthComputable ? e.total : options.file.size,
      });
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(); // the image's new status also arrives as an `image.updated` event
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText) as unknown;
      } catch {
        body = xhr.responseText;
      }
      reject(new ApiError(xhr.status, parseProblem(body), xhr.statusText));
    };
    xhr.onerror = () => reject(new ConnectionError(url, { cause: new Error('network error') }));
    xhr.onabort = () => reject(new DOMException('Upload cancelled', 'AbortError'));
    if (options.signal.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    options.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(options.file);
  });
}
