import { isOperationId, routes, type OperationId } from '@gureum/contract';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditEntry, ResolvedResource } from '../services/audit.service.js';
import { auditRuleOf, type AuditRule, type MutatingOperationId } from './audit-rules.js';
import type { AppServices } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The id of the resource a create made, read from its success reply (the reply itself is never kept). */
    auditReplyId: string | null;
    /** The resource of the request as it was when the handler began (looked up alongside, never awaited). */
    auditResolved: Promise<ResolvedResource | null> | null;
  }
}

const MAX_ID = 128;

function isMutating(id: OperationId): id is MutatingOperationId {
  return routes[id].method !== 'GET';
}

function operationOf(req: FastifyRequest): OperationId | null {
  const id = req.routeOptions.config.operationId;
  return isOperationId(id) ? id : null;
}

/**
 * The operational hooks of every request: the latency histogram (by operation id or route pattern, never the raw
 * URL) and one audit row per mutating request, refused ones included (401, 403, 4xx, 5xx). Both run in
 * `onResponse`, after the reply went out; the audit write is not awaited, and its failure is only logged.
 */
export function registerOpsHooks(app: FastifyInstance, s: AppServices): void {
  app.decorateRequest('auditReplyId', null);
  app.decorateRequest('auditResolved', null);

  // Looks the resource up while the handler runs, so a delete still has its owner (and a VM named by its name its
  // id) in the row. Only for requests that got past authentication and validation.
  app.addHook('preHandler', (req, _reply, done) => {
    const id = operationOf(req);
    const resource = id && isMutating(id) ? auditRuleOf(id).resource : undefined;
    if (resource && 'param' in resource) {
      const value = paramsOf(req)[resource.param];
      if (typeof value === 'string' && value !== '')
        req.auditResolved = s.audit.resolveResource({ kind: resource.kind, id: value.slice(0, MAX_ID) });
    }
    done();
  });

  app.addHook('onSend', (req, reply, payload, done) => {
    const id = operationOf(req);
    if (id && isMutating(id) && reply.statusCode < 300 && typeof payload === 'string') {
      const rule = auditRuleOf(id);
      if (rule.resource && 'fromReply' in rule.resource) req.auditReplyId = createdId(payload);
    }
    done(null, payload);
  });

  app.addHook('onResponse', (req, reply, done) => {
    const id = operationOf(req);
    s.metrics.observeRequest(
      id ?? req.routeOptions.url ?? 'unmatched',
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    if (id && isMutating(id)) {
      try {
        s.audit.submit(auditEntry(req, auditRuleOf(id), reply.statusCode));
      } catch (err: unknown) {
        req.log.error({ err }, 'could not audit the request');
      }
    }
    done();
  });
}

function auditEntry(req: FastifyRequest, rule: AuditRule, status: number): AuditEntry {
  const body = isRecord(req.body) ? req.body : {};
  const params = paramsOf(req);
  const succeeded = status < 400;
  const details: Record<string, unknown> = {};
  for (const field of rule.fields ?? []) {
    const value = body[field];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      details[field] = value;
  }
  for (const param of rule.params ?? []) {
    const value = params[param];
    if (typeof value === 'string') details[param] = value.slice(0, MAX_ID);
  }
  if (rule.changedFields) details.changed = Object.keys(body).sort();

  let resource: AuditEntry['resource'] = null;
  if (rule.resource) {
    const value =
      'param' in rule.resource
        ? params[rule.resource.param]
        : 'fromReply' in rule.resource
          ? req.auditReplyId
          : req.principal?.user.id;
    if (typeof value === 'string' && value !== '')
      resource = { kind: rule.resource.kind, id: value.slice(0, MAX_ID) };
  }
  const username = typeof body.username === 'string' ? body.username : null;
  const actor: AuditEntry['actor'] = req.principal
    ? { id: req.principal.user.id }
    : rule.actorFromUsername && username !== null
      ? { username }
      : null;
  return {
    action: rule.action,
    actor,
    resource,
    ...(req.auditResolved ? { resolved: req.auditResolved } : {}),
    outcome: succeeded ? 'succeeded' : 'failed',
    status,
    requestId: req.id,
    sourceAddress: req.ip,
    details: Object.keys(details).length > 0 ? details : null,
  };
}

/** Route parameters come in a prototype-less object of the router's own: its own properties. */
function paramsOf(req: FastifyRequest): Record<string, unknown> {
  return typeof req.params === 'object' && req.params !== null ? { ...req.params } : {};
}

/** The id of what a create made: `{ id }` (201) or `{ task: { resource: { id } } }` (202). */
function createdId(payload: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  if (!isRecord(parsed)) return null;
  if (typeof parsed.id === 'string') return parsed.id;
  const task = parsed.task;
  if (isRecord(task) && isRecord(task.resource) && typeof task.resource.id === 'string')
    return task.resource.id;
  return null;
}

/** A plain JSON object (not an array, not an upload's stream). */
function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
