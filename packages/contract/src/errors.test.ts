import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  errorCatalog,
  errorCodes,
  isErrorCode,
  kindStatus,
  problemTypeUri,
  renderErrorsMarkdown,
  ERRORS_DOC_NOTICE,
  type ErrorCode,
} from './index.js';

const docsPath = new URL('../../../docs/errors.md', import.meta.url);

describe('error catalog', () => {
  it('has UPPER_SNAKE codes with a title and a one-line description', () => {
    expect(errorCodes.length).toBeGreaterThanOrEqual(31);
    for (const code of errorCodes) {
      const spec = errorCatalog[code];
      expect(code).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(spec.title.length).toBeGreaterThan(0);
      expect(spec.description.length).toBeGreaterThan(10);
      expect(spec.description).not.toContain('\n');
    }
  });

  it('contains every code the brief and API.md name', () => {
    const required: ErrorCode[] = [
      'VALIDATION_FAILED',
      'UNAUTHENTICATED',
      'TOKEN_EXPIRED',
      'FORBIDDEN',
      'NOT_FOUND',
      'ROUTE_NOT_FOUND',
      'VM_NOT_FOUND',
      'VM_NAME_TAKEN',
      'VM_INVALID_STATE',
      'VM_BUSY',
      'IMAGE_NOT_FOUND',
      'IMAGE_IN_USE',
      'IMAGE_NOT_READY',
      'IMAGE_NAME_TAKEN',
      'IMAGE_FORMAT_UNSUPPORTED',
      'IMAGE_TOO_LARGE',
      'LENGTH_REQUIRED',
      'TASK_NOT_FOUND',
      'TASK_NOT_CANCELLABLE',
      'PRECONDITION_FAILED',
      'IDEMPOTENCY_KEY_MISMATCH',
      'PAYLOAD_TOO_LARGE',
      'RATE_LIMITED',
      'QUOTA_EXCEEDED',
      'USER_NOT_FOUND',
      'USERNAME_TAKEN',
      'TOKEN_NOT_FOUND',
      'DISK_SHRINK_REFUSED',
      'LIBVIRT_UNAVAILABLE',
      'DATABASE_UNAVAILABLE',
      'INTERNAL',
    ];
    for (const code of required) expect(errorCodes).toContain(code);
  });

  it('maps kinds to the HTTP statuses of STYLE §2.5, with the statuses API.md adds', () => {
    const special: Partial<Record<ErrorCode, number>> = {
      LENGTH_REQUIRED: 411,
      PRECONDITION_FAILED: 412,
      PAYLOAD_TOO_LARGE: 413,
      IMAGE_TOO_LARGE: 413,
      UNSUPPORTED_MEDIA_TYPE: 415,
      IDEMPOTENCY_KEY_MISMATCH: 422,
      RATE_LIMITED: 429,
    };
    for (const code of errorCodes) {
      const spec = errorCatalog[code];
      expect(spec.status, code).toBe(special[code] ?? kindStatus[spec.kind]);
    }
    expect(errorCatalog.LIBVIRT_UNAVAILABLE.status).toBe(503);
    expect(errorCatalog.DISK_SHRINK_REFUSED.status).toBe(400);
  });

  it('builds problem type URIs from the code', () => {
    expect(problemTypeUri('VM_NOT_FOUND')).toBe('https://gureum.dev/errors#vm-not-found');
    expect(problemTypeUri('IDEMPOTENCY_KEY_MISMATCH')).toBe(
      'https://gureum.dev/errors#idempotency-key-mismatch',
    );
    expect(isErrorCode('VM_NOT_FOUND')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(docsPath, 'utf8');

  it('starts with the DO-NOT-EDIT line', () => {
    expect(doc.split('\n')[0]).toBe(ERRORS_DOC_NOTICE);
    expect(ERRORS_DOC_NOTICE).toContain('DO NOT EDIT');
  });

  it.each(errorCodes)('documents %s under the anchor its problem type points at', (code) => {
    const anchor = problemTypeUri(code).split('#')[1] ?? '';
    expect(doc).toContain(`<a id="${anchor}"></a>\`${code}\``);
    expect(doc).toContain(errorCatalog[code].description);
  });

  it('is up to date with the catalog (run `npm run gen`)', () => {
    expect(doc).toBe(renderErrorsMarkdown());
  });
});
