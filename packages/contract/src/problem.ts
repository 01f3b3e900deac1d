import { Kind, Type, type Static } from '@sinclair/typebox';
import { stringEnum } from './common.js';
import { errorCodes, type ErrorCode } from './errors.js';

/**
 * A catalog error code. Typed as the `ErrorCode` union; the schema is a string with the catalog as `enum`
 * (documentation for OpenAPI readers) and a shape pattern, so TypeBox checks it as a string.
 */
export const ErrorCodeSchema = Type.Unsafe<ErrorCode>({
  [Kind]: 'String',
  type: 'string',
  pattern: '^[A-Z][A-Z0-9_]*$',
  enum: [...errorCodes],
  description: 'An error code of the catalog (docs/errors.md).',
});

/** One invalid field of a `VALIDATION_FAILED` problem: `path` is a JSON pointer into the request part. */
export const ProblemFieldError = Type.Object(
  {
    path: Type.String({
      description: "JSON pointer, prefixed by the request part: '/body/name', '/query/limit'.",
    }),
    message: Type.String(),
  },
  { title: 'ProblemFieldError' },
);
export type ProblemFieldError = Static<typeof ProblemFieldError>;

/**
 * An RFC 9457 problem (`application/problem+json`): the body of every 4xx/5xx response and the `error` of a
 * failed task. `type` is `problemTypeUri(code)`; a 500 never carries a stack, a host path or libvirt's raw
 * message, only the `requestId` that the server log holds.
 */
export const Problem = Type.Object(
  {
    type: Type.String({ description: 'https://gureum.dev/errors#<code-in-kebab-case>' }),
    title: Type.String(),
    status: Type.Integer({ minimum: 400, maximum: 599 }),
    detail: Type.String(),
    instance: Type.String({ description: 'The request path (or the task URL for task errors).' }),
    code: ErrorCodeSchema,
    requestId: Type.String(),
    errors: Type.Optional(Type.Array(ProblemFieldError)),
    // Extension members of QUOTA_EXCEEDED (RFC 9457 §3.2): which limit, its value, the use now, the request.
    limit: Type.Optional(
      stringEnum(['maxVms', 'maxVcpus', 'maxMemoryBytes', 'maxDiskBytes'], {
        description: 'QUOTA_EXCEEDED: the limit of the quota (`Quota` field) the request would exceed.',
      }),
    ),
    max: Type.Optional(Type.Integer({ minimum: 0, description: 'QUOTA_EXCEEDED: the value of that limit.' })),
    used: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'QUOTA_EXCEEDED: what the owner uses now (VMs, vCPUs or bytes).',
      }),
    ),
    requested: Type.Optional(
      Type.Integer({
        minimum: 0,
        description:
          'QUOTA_EXCEEDED: what the request adds; it exceeds the limit by `used + requested - max`.',
      }),
    ),
  },
  { title: 'Problem' },
);
export type Problem = Static<typeof Problem>;

/** The media type of problem responses. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
