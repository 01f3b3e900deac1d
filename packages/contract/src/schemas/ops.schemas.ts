import { Type, type Static } from '@sinclair/typebox';
import { Id, ResourceRef, Timestamp, nullable, page, pageQuery, stringEnum } from '../common.js';

/** An entry of the audit log: who did what to which resource, and how it ended. */
export const AuditEvent = Type.Object(
  {
    id: Id,
    time: Timestamp,
    actorId: nullable(Id),
    action: Type.String({ description: "What was done, e.g. 'vm.create', 'console.open', 'auth.login'." }),
    resource: nullable(ResourceRef),
    outcome: stringEnum(['succeeded', 'failed']),
    /** Whose resource it is: owners see what others did to their resources. */
    ownerId: Type.Optional(Id),
    status: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 599,
        description: 'HTTP status of the request; absent for task outcomes.',
      }),
    ),
    requestId: Type.Optional(Type.String()),
    sourceAddress: Type.Optional(
      Type.String({ maxLength: 64, description: "The client's address; absent for task outcomes." }),
    ),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'Whitelisted, non-secret facts: a name, a username, a task id and its error code.',
      }),
    ),
  },
  { title: 'AuditEvent' },
);
export type AuditEvent = Static<typeof AuditEvent>;

/** `GET /audit-events` query (admins see everyone's entries, members their own). */
export const AuditEventListQuery = Type.Object(
  {
    ...pageQuery,
    actor: Type.Optional(Id),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    since: Type.Optional(Timestamp),
  },
  { title: 'AuditEventListQuery' },
);
export type AuditEventListQuery = Static<typeof AuditEventListQuery>;
export const AuditEventList = page(AuditEvent, 'AuditEventList');
export type AuditEventList = Static<typeof AuditEventList>;

/**
 * What the reconciler found that differs between the database, libvirt and the managed pools:
 * `orphan_volume` (nobody references it), `unknown_domain` (no DB row; adoptable), `missing_domain` (DB row
 * without domain), `state_mismatch`, `duplicate_mac`, `missing_media` (an attached ISO that no longer exists).
 */
export const DriftKind = stringEnum([
  'orphan_volume',
  'unknown_domain',
  'missing_domain',
  'state_mismatch',
  'duplicate_mac',
  'missing_media',
]);
export type DriftKind = Static<typeof DriftKind>;

export const DriftAction = stringEnum(['adopt', 'clean']);
export type DriftAction = Static<typeof DriftAction>;

export const DriftFinding = Type.Object(
  {
    id: Id,
    kind: DriftKind,
    resource: ResourceRef,
    summary: Type.String(),
    detectedAt: Timestamp,
    actions: Type.Array(DriftAction, { description: 'What can be done about it.' }),
  },
  { title: 'DriftFinding' },
);
export type DriftFinding = Static<typeof DriftFinding>;

export const DriftFindingList = Type.Object(
  { items: Type.Array(DriftFinding) },
  { title: 'DriftFindingList' },
);
export type DriftFindingList = Static<typeof DriftFindingList>;

export const DriftAdoptOptions = Type.Object({}, { additionalProperties: false, title: 'DriftAdoptOptions' });
export type DriftAdoptOptions = Record<string, never>;
export const DriftCleanOptions = Type.Object({}, { additionalProperties: false, title: 'DriftCleanOptions' });
export type DriftCleanOptions = Record<string, never>;

/** `GET /metrics`: the Prometheus text exposition format. */
export const MetricsText = Type.String({ title: 'MetricsText', description: 'Prometheus text format 0.0.4' });
