import { PROBLEM_CONTENT_TYPE } from '@gureum/contract';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, RateLimitedError, ValidationError, type FieldError } from '../domain/errors.js';
import type { ProblemData } from '../domain/model.js';
import { problemFromError } from '../tasks/index.js';

/** Sends a Problem as `application/problem+json`. */
export function sendProblem(reply: FastifyReply, problem: ProblemData & { instance?: string }): FastifyReply {
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(problem);
}

function isFastifyError(err: unknown): err is FastifyError {
  return err instanceof Error && typeof (err as Partial<FastifyError>).code === 'string';
}

/** Fastify's schema-validation failures as field errors: `/body/name`, `/querystring/limit`, … */
function validationErrors(err: FastifyError): FieldError[] {
  const context = err.validationContext ?? 'body';
  return (err.validation ?? []).map((v) => {
    const params: Record<string, unknown> = v.params;
    const extra =
      typeof params.missingProperty === 'string'
        ? `/${params.missingProperty}`
        : typeof params.additionalProperty === 'string'
          ? `/${params.additionalProperty}`
          : '';
    const message =
      typeof params.additionalProperty === 'string' ? 'is not a known field' : (v.message ?? 'is invalid');
    return { path: `/${context}${v.instancePath}${extra}`, message };
  });
}

/** Translates anything thrown while handling a request into the domain error the one mapping understands. */
export function toAppError(err: unknown): unknown {
  if (err instanceof AppError || !isFastifyError(err)) return err;
  if (err.validation) {
    const errors = validationErrors(err);
    const first = errors[0];
    return new ValidationError(first ? `${first.path} ${first.message}.` : 'The request is invalid.', errors);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('PAYLOAD_TOO_LARGE', 'too_large', 'The request body is larger than 1 MiB.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(
        'UNSUPPORTED_MEDIA_TYPE',
        'invalid',
        'This route does not accept that Content-Type.',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ValidationError('The request body is not valid JSON.', [
        { path: '/body', message: err.message },
      ]);
    default:
      if (err.statusCode === 404) return new AppError('ROUTE_NOT_FOUND', 'not_found', 'No such route.');
      if (err.statusCode === 413)
        return new AppError('PAYLOAD_TOO_LARGE', 'too_large', 'The request body is too large.');
      if (err.statusCode === 415)
        return new AppError('UNSUPPORTED_MEDIA_TYPE', 'invalid', 'Unsupported Content-Type.');
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
        return new ValidationError(err.message);
      }
      return err;
  }
}

/** The one error handler: everything leaves as problem+json; 500s are logged with their cause chain. */
export function handleError(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const appError = toAppError(err);
  const problem = problemFromError(appError, req.id);
  if (appError instanceof RateLimitedError)
    void reply.header('retry-after', String(appError.retryAfterSeconds));
  if (problem.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ code: problem.code, status: problem.status }, 'request refused');
  return sendProblem(reply, { ...problem, instance: req.url.split('?')[0] ?? req.url });
}
