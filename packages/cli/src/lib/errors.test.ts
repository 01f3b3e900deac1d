import { ApiError, ConnectionError, TaskWaitTimeoutError } from '@gureum/client';
import { describe, expect, it } from 'vitest';
import { CliError, describeError, formatError, UsageError } from './errors.js';

const notFound = new ApiError(404, {
  type: 'https://gureum.dev/errors#vm-not-found',
  title: 'VM not found',
  status: 404,
  detail: 'No VM you may see has the id or name "web-9".',
  instance: '/api/v1/vms/web-9',
  code: 'VM_NOT_FOUND',
  requestId: 'req-7',
});

describe('formatError', () => {
  it('prints `error: <title> — <detail> [<code>]` and the requestId on a second line', () => {
    expect(formatError(describeError(notFound))).toBe(
      'error: VM not found — No VM you may see has the id or name "web-9". [VM_NOT_FOUND]\nrequestId: req-7\n',
    );
  });

  it('lists the invalid fields of a validation problem', () => {
    const err = new ApiError(400, {
      type: 't',
      title: 'Validation failed',
      status: 400,
      detail: 'The request is invalid.',
      instance: '/api/v1/vms',
      code: 'VALIDATION_FAILED',
      requestId: '',
      errors: [{ path: '/body/name', message: 'must match pattern' }],
    });
    const text = formatError(describeError(err));
    expect(text).toBe(
      'error: Validation failed — The request is invalid. [VALIDATION_FAILED]\n  /body/name: must match pattern\n',
    );
  });

  it('colours only the label when asked', () => {
    expect(formatError(describeError(new CliError('T', 'd', 'C')), true)).toBe(
      '\x1b[1;31merror:\x1b[0m T — d [C]\n',
    );
  });
});

describe('describeError', () => {
  it('keeps the problem as received for --json', () => {
    const r = describeError(notFound);
    expect(r.json).toEqual(notFound.problem);
    expect(r.exitCode).toBe(1);
  });

  it('names the URL and suggests `npm start` when the connection is refused', () => {
    const cause = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    });
    const r = describeError(
      new ConnectionError('http://127.0.0.1:9/api/v1/vms', { cause }),
      'http://127.0.0.1:9',
    );
    expect(r.code).toBe('CONNECTION_REFUSED');
    expect(formatError(r)).toMatch(
      /^error: Cannot connect — connection to http:\/\/127\.0\.0\.1:9 refused; .*`npm start`.* \[CONNECTION_REFUSED\]\n$/,
    );
  });

  it('maps usage errors to exit 2, task timeouts and bugs to exit 1', () => {
    expect(describeError(new UsageError('unknown flag --x')).exitCode).toBe(2);
    const task = {
      id: 'tsk_1',
      kind: 'vm.start' as const,
      status: 'running' as const,
      progress: 0.5,
      resource: { kind: 'vm' as const, id: 'x' },
      actorId: 'u',
      createdAt: '2025-01-01T00:00:00Z',
    };
    expect(describeError(new TaskWaitTimeoutError(task))).toMatchObject({
      code: 'TASK_WAIT_TIMEOUT',
      exitCode: 1,
    });
    expect(describeError(new Error('boom'))).toMatchObject({
      title: 'Unexpected error',
      code: 'INTERNAL',
      exitCode: 1,
    });
  });

  it('tells the user to log in again on 401', () => {
    const err = new ApiError(401, {
      type: 't',
      title: 'Token expired',
      status: 401,
      detail: 'expired',
      instance: '/',
      code: 'TOKEN_EXPIRED',
      requestId: '',
    });
    expect(describeError(err).notes.join('\n')).toMatch(/gureum login/);
  });
});
