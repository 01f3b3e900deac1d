import { describe, expect, it } from 'vitest';
import { AppError, ConflictError, ValidationError, vmNotFound, type ErrorKind } from '../domain/errors.js';
import { problemFromError, STATUS_BY_KIND } from './problem.js';

describe('problemFromError', () => {
  it.each<[ErrorKind, number]>([
    ['invalid', 400],
    ['unauthenticated', 401],
    ['forbidden', 403],
    ['not_found', 404],
    ['conflict', 409],
    ['length_required', 411],
    ['precondition', 412],
    ['too_large', 413],
    ['unprocessable', 422],
    ['rate_limited', 429],
    ['unavailable', 503],
    ['internal', 500],
  ])('maps %s to %i', (kind, status) => {
    expect(STATUS_BY_KIND[kind]).toBe(status);
    expect(problemFromError(new AppError('SOME_CODE', kind, 'msg')).status).toBe(status);
  });

  it('keeps the code and message of an AppError and links the catalog', () => {
    expect(problemFromError(vmNotFound('web-1'), 'req-1')).toEqual({
      type: 'https://gureum.dev/errors#vm-not-found',
      title: 'VM not found',
      status: 404,
      detail: "No VM 'web-1' exists.",
      code: 'VM_NOT_FOUND',
      requestId: 'req-1',
    });
    expect(problemFromError(new ConflictError('VM_BUSY', 'busy'))).not.toHaveProperty('requestId');
  });

  it('lists field errors of a validation error', () => {
    const problem = problemFromError(
      new ValidationError('Invalid body.', [{ path: '/name', message: 'too long' }]),
    );
    expect(problem).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ path: '/name', message: 'too long' }],
    });
  });

  it('never leaks an internal message, stack or path', () => {
    for (const err of [new Error('open /var/lib/libvirt/x.qcow2: EACCES'), 'a string', null]) {
      const problem = problemFromError(err, 'req-2');
      expect(problem).toMatchObject({
        status: 500,
        code: 'INTERNAL',
        requestId: 'req-2',
        title: 'Internal error',
      });
      expect(problem.detail).not.toMatch(/var|EACCES|string/);
    }
    const internal = problemFromError(new AppError('LIBVIRT_PROTOCOL', 'internal', 'virsh said: /etc/x'));
    expect(internal.code).toBe('LIBVIRT_PROTOCOL');
    expect(internal.detail).not.toContain('/etc/x');
  });
});
