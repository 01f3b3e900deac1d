/**
 * The error catalog: every `code` a Gureum server may put in a problem+json body or a failed task's `error`.
 *
 * The server's `AppError` classes take their `kind` from here, its HTTP mapping takes the `status` from here,
 * `docs/errors.md` is generated from here, and clients switch on `code`. A code is never renamed or reused;
 * add new ones at the end of their area.
 */

/** The kind of a domain error (STYLE §2.5); it decides the HTTP status unless the catalog says otherwise. */
export type ErrorKind =
  'invalid' | 'unauthenticated' | 'forbidden' | 'not_found' | 'conflict' | 'unavailable' | 'internal';

/** The default HTTP status of each kind (STYLE §2.5 "One HTTP mapping"). */
export const kindStatus = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
} as const satisfies Record<ErrorKind, number>;

/** One catalog entry. */
export interface ErrorSpec {
  readonly kind: ErrorKind;
  /** The HTTP status of the problem response. Differs from `kindStatus[kind]` only for 411/412/413/415/422/429. */
  readonly status: number;
  /** The problem `title`: short, stable, the same for every occurrence. */
  readonly title: string;
  /** One line for docs/errors.md: when it happens and what to do. */
  readonly description: string;
}

function e<const K extends ErrorKind, const S extends number>(
  kind: K,
  status: S,
  title: string,
  description: string,
): { kind: K; status: S; title: string; description: string } {
  return { kind, status, title, description };
}

/** Every error code with its kind, HTTP status, title and description. */
export const errorCatalog = {
  // Requests
  VALIDATION_FAILED: e(
    'invalid',
    400,
    'Validation failed',
    'The request does not match the schema; `errors[]` names each field (`path`) and what is wrong.',
  ),
  PAYLOAD_TOO_LARGE: e(
    'invalid',
    413,
    'Payload too large',
    'A JSON body is over 1 MiB. Uploads have their own limit (see IMAGE_TOO_LARGE).',
  ),
  LENGTH_REQUIRED: e(
    'invalid',
    411,
    'Length required',
    'A streamed upload did not say its size: send `Content-Length`.',
  ),
  UNSUPPORTED_MEDIA_TYPE: e(
    'invalid',
    415,
    'Unsupported media type',
    'The `Content-Type` is not the one the route accepts (JSON, or `application/octet-stream` for uploads).',
  ),
  PRECONDITION_FAILED: e(
    'conflict',
    412,
    'Precondition failed',
    'The `If-Match` ETag no longer matches: someone changed the resource. Read it again and retry.',
  ),
  IDEMPOTENCY_KEY_MISMATCH: e(
    'invalid',
    422,
    'Idempotency key reused with a different request',
    'The `Idempotency-Key` was already used within 24 h for a different body; use a new key.',
  ),
  IDEMPOTENCY_KEY_IN_USE: e(
    'conflict',
    409,
    'Idempotency key in use',
    'A request with the same `Idempotency-Key` is still being processed; retry after it finishes.',
  ),
  RATE_LIMITED: e(
    'unavailable',
    429,
    'Too many requests',
    'Slow down; `Retry-After` says when to try again.',
  ),
  NOT_FOUND: e('not_found', 404, 'Not found', 'The resource does not exist, or you may not see it.'),
  ROUTE_NOT_FOUND: e(
    'not_found',
    404,
    'Route not found',
    'No route matches this method and path; check the base path `/api/v1`.',
  ),
  // Authentication and authorization
  UNAUTHENTICATED: e(
    'unauthenticated',
    401,
    'Authentication required',
    'No valid bearer token was sent (`Authorization: Bearer <token>`).',
  ),
  TOKEN_EXPIRED: e(
    'unauthenticated',
    401,
    'Token expired',
    'The bearer token has expired or was revoked; log in again or create a new token.',
  ),
  INVALID_CREDENTIALS: e('unauthenticated', 401, 'Invalid credentials', 'The username or password is wrong.'),
  FORBIDDEN: e('forbidden', 403, 'Forbidden', 'Your role does not allow this operation.'),
  QUOTA_EXCEEDED: e(
    'forbidden',
    403,
    'Quota exceeded',
    'The operation would take you over your quota (VMs, vCPUs, memory or disk); see `GET /me/usage`.',
  ),
  // Users and tokens
  USER_NOT_FOUND: e('not_found', 404, 'User not found', 'No user has this id.'),
  USERNAME_TAKEN: e('conflict', 409, 'Username taken', 'Another user already has this username.'),
  USER_LAST_ADMIN: e('conflict', 409, 'Last administrator', 'The last admin cannot be deleted or demoted.'),
  TOKEN_NOT_FOUND: e('not_found', 404, 'Token not found', 'No token of yours has this id.'),
  USER_OWNS_RESOURCES: e(
    'conflict',
    409,
    'User owns resources',
    'The user still owns VMs or images (`detail` says how many of each); delete them first.',
  ),
  PASSWORD_INCORRECT: e(
    'forbidden',
    403,
    'Current password incorrect',
    'The current password given with a password change is wrong; nothing was changed (your token still works).',
  ),
  // VMs
  VM_NOT_FOUND: e('not_found', 404, 'VM not found', 'No VM you may see has this id or name.'),
  VM_NAME_TAKEN: e(
    'conflict',
    409,
    'VM name taken',
    'Another VM already has this name (names are unique per host).',
  ),
  VM_INVALID_STATE: e(
    'conflict',
    409,
    'VM in the wrong state',
    'The VM is not in a state that allows this operation (e.g. pausing a stopped VM); `detail` says which state it is in.',
  ),
  VM_BUSY: e(
    'conflict',
    409,
    'VM busy',
    'Another operation on this VM is still running; wait for its task and retry.',
  ),
  VM_STOP_TIMEOUT: e(
    'conflict',
    409,
    'VM did not stop',
    'The guest did not power off within the graceful-stop timeout; retry with `force: true` or use force-stop.',
  ),
  DISK_NOT_FOUND: e('not_found', 404, 'Disk not found', 'The VM has no disk with this id.'),
  DISK_SHRINK_REFUSED: e(
    'invalid',
    400,
    'Disk shrink refused',
    'Disks only grow: `sizeBytes` must be larger than the current virtual size.',
  ),
  NIC_NOT_FOUND: e('not_found', 404, 'NIC not found', 'The VM has no network interface with this id.'),
  SNAPSHOT_NOT_FOUND: e('not_found', 404, 'Snapshot not found', 'The VM has no snapshot with this id.'),
  SNAPSHOT_NAME_TAKEN: e(
    'conflict',
    409,
    'Snapshot name taken',
    'The VM already has a snapshot with this name.',
  ),
  SNAPSHOT_UNSUPPORTED: e(
    'conflict',
    409,
    'Snapshot kind unsupported',
    'This VM or host cannot take this kind of snapshot; see `capabilities` in `GET /vms/{id}/snapshots`.',
  ),
  CONSOLE_TICKET_INVALID: e(
    'unauthenticated',
    401,
    'Console ticket invalid',
    'The console ticket is unknown, already used or older than 30 s; request a new one.',
  ),
  // Images
  IMAGE_NOT_FOUND: e('not_found', 404, 'Image not found', 'No image you may see has this id.'),
  IMAGE_NAME_TAKEN: e('conflict', 409, 'Image name taken', 'Another image already has this name.'),
  IMAGE_IN_USE: e(
    'conflict',
    409,
    'Image in use',
    'A VM uses the image (as backing file or inserted media); detach it first.',
  ),
  IMAGE_NOT_READY: e(
    'conflict',
    409,
    'Image not ready',
    'Only `ready` images can back a VM or be inserted as media; wait for the upload or import to finish.',
  ),
  IMAGE_KIND_MISMATCH: e(
    'invalid',
    400,
    'Wrong image kind',
    'A disk image was given where an ISO is expected, or the reverse.',
  ),
  IMAGE_FORMAT_UNSUPPORTED: e(
    'invalid',
    400,
    'Image format unsupported',
    'The content is not qcow2, raw or ISO 9660, or does not match the image kind.',
  ),
  IMAGE_TOO_LARGE: e(
    'invalid',
    413,
    'Image too large',
    'The upload is larger than the server allows for images.',
  ),
  IMAGE_CHECKSUM_MISMATCH: e(
    'invalid',
    400,
    'Checksum mismatch',
    'The SHA-256 of the received content differs from the expected one.',
  ),
  IMAGE_DOWNLOAD_FAILED: e(
    'unavailable',
    503,
    'Image download failed',
    'The server could not download the image from its source URL; `detail` says why.',
  ),
  IMAGE_DUPLICATE: e(
    'conflict',
    409,
    'Image already present',
    'An image with the expected SHA-256 exists already (`meta.imageId`); nothing was downloaded.',
  ),
  IMAGE_UPLOAD_CONFLICT: e(
    'conflict',
    409,
    'Image not awaiting upload',
    'Content can only be uploaded once, to an image in status `uploading` created without a source URL.',
  ),
  // Storage and networks
  VOLUME_NOT_FOUND: e('not_found', 404, 'Volume not found', 'No volume you may see has this id.'),
  VOLUME_NAME_TAKEN: e('conflict', 409, 'Volume name taken', 'Another volume already has this name.'),
  VOLUME_IN_USE: e('conflict', 409, 'Volume in use', 'The volume is attached to a VM; detach it first.'),
  NETWORK_NOT_FOUND: e('not_found', 404, 'Network not found', 'No network you may see has this id.'),
  NETWORK_NAME_TAKEN: e('conflict', 409, 'Network name taken', 'Another network already has this name.'),
  NETWORK_IN_USE: e(
    'conflict',
    409,
    'Network in use',
    'VMs still have interfaces on this network; detach them first.',
  ),
  NETWORK_CIDR_CONFLICT: e(
    'conflict',
    409,
    'Address range overlaps',
    'The IPv4 range overlaps another network or a host route.',
  ),
  // Tasks, drift
  TASK_NOT_FOUND: e('not_found', 404, 'Task not found', 'No task you may see has this id.'),
  TASK_NOT_CANCELLABLE: e(
    'conflict',
    409,
    'Task not cancellable',
    'The task has already finished, or is in a step that cannot be interrupted.',
  ),
  TASK_CANCELLED: e(
    'conflict',
    409,
    'Task cancelled',
    'The task was cancelled; the steps it took were undone. (Found in `task.error`.)',
  ),
  TASK_INTERRUPTED: e(
    'unavailable',
    503,
    'Task interrupted',
    'The server stopped while the task ran; its steps were undone on restart. Retry the operation.',
  ),
  RESOURCE_BUSY: e(
    'conflict',
    409,
    'Resource busy',
    'Another operation holds this resource; wait for its task and retry.',
  ),
  TASK_KIND_UNKNOWN: e(
    'internal',
    500,
    'Unknown task kind',
    'The server has no handler for a stored task kind (a newer server wrote it); it was failed at start-up.',
  ),
  TASK_STEP_UNKNOWN: e(
    'internal',
    500,
    'Unknown task step',
    'A task tried a step that has no undo declared; a bug, reported in the server log.',
  ),
  FAULT_INJECTED: e(
    'internal',
    500,
    'Injected fault',
    'A test-only fault injection fired (GUREUM_FAULTS); never seen in production.',
  ),
  DRIFT_FINDING_NOT_FOUND: e(
    'not_found',
    404,
    'Drift finding not found',
    'No current drift finding has this id (it may have been resolved).',
  ),
  DRIFT_ACTION_UNSUPPORTED: e(
    'conflict',
    409,
    'Action not possible for this finding',
    'This finding cannot be adopted (or cleaned); see its `actions`.',
  ),
  // Server
  LIBVIRT_UNAVAILABLE: e(
    'unavailable',
    503,
    'Hypervisor unavailable',
    'libvirt cannot be reached; the server reconnects by itself. Reads still work, with VM state `unknown`.',
  ),
  DATABASE_UNAVAILABLE: e(
    'unavailable',
    503,
    'Database unavailable',
    'The database cannot be reached; retry later.',
  ),
  SERVER_SHUTTING_DOWN: e(
    'unavailable',
    503,
    'Server shutting down',
    'The server is draining before it stops; retry against the restarted server.',
  ),
  INTERNAL: e(
    'internal',
    500,
    'Internal error',
    'An unexpected error; the server log has the details under the `requestId`.',
  ),
} as const satisfies Record<string, ErrorSpec>;

/** Every error code (`VM_NOT_FOUND`, …). */
export type ErrorCode = keyof typeof errorCatalog;

/** True when `value` is a code of the catalog (use on codes received from the wire). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCatalog, value);
}

/** Every code, in catalog order. */
export const errorCodes: readonly ErrorCode[] = Object.keys(errorCatalog).filter(isErrorCode);

/** Where the human documentation of the codes lives (generated docs/errors.md, published). */
export const PROBLEM_TYPE_BASE = 'https://gureum.dev/errors';

/**
 * The problem `type` URI of a code: `VM_NOT_FOUND` → `https://gureum.dev/errors#vm-not-found`.
 * @example problemTypeUri('VM_NOT_FOUND') // 'https://gureum.dev/errors#vm-not-found'
 */
export function problemTypeUri(code: ErrorCode): string {
  return `${PROBLEM_TYPE_BASE}#${problemAnchor(code)}`;
}

/** The anchor of a code in docs/errors.md: lowercase, `_` → `-`. */
export function problemAnchor(code: ErrorCode): string {
  return code.toLowerCase().replaceAll('_', '-');
}
