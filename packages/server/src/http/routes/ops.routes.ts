import type { AuditEvent } from '@gureum/contract';
import type { FastifyInstance } from 'fastify';
import type { AuditRecord } from '../../domain/model.js';
import { PROMETHEUS_CONTENT_TYPE } from '../../services/metrics-registry.js';
import type { AppServices } from '../context.js';
import { registerRoute } from '../route.js';

/** An audit row as the API shows it. */
export function toAuditEvent(r: AuditRecord): AuditEvent {
  return {
    id: r.id,
    time: r.time,
    actorId: r.actorId,
    action: r.action,
    // The kinds written are the contract's resource kinds (routes' rules and task resources).
    resource:
      r.resourceKind !== null && r.resourceId !== null
        ? ({ kind: r.resourceKind, id: r.resourceId } as AuditEvent['resource'])
        : null,
    outcome: r.outcome,
    ...(r.ownerId === null ? {} : { ownerId: r.ownerId }),
    ...(r.status === null ? {} : { status: r.status }),
    ...(r.requestId === null ? {} : { requestId: r.requestId }),
    ...(r.sourceAddress === null ? {} : { sourceAddress: r.sourceAddress }),
    ...(r.details === null ? {} : { details: r.details }),
  };
}

/** The audit log and the Prometheus metrics. */
export function registerOpsRoutes(app: FastifyInstance, s: AppServices): void {
  registerRoute(app, 'listAuditEvents', async ({ actor, query }) => {
    const page = await s.audit.list(actor, {
      limit: query.limit ?? 100,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      ...(query.actor ? { actorId: query.actor } : {}),
      ...(query.resource ? { resourceId: query.resource } : {}),
      ...(query.since ? { since: query.since } : {}),
    });
    return { items: page.items.map(toAuditEvent), nextCursor: page.nextCursor };
  });

  // Admins, or a local scraper without a token: the onRequest hook decides (the principal may be null here).
  registerRoute(app, 'getMetrics', async (_req, reply) =>
    reply.type(PROMETHEUS_CONTENT_TYPE).send(await s.metrics.render()),
  );
}
