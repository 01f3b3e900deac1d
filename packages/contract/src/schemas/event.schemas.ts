import {
  Type,
  type Static,
  type TLiteral,
  type TObject,
  type TSchema,
  type TString,
  type TInteger,
} from '@sinclair/typebox';
import { Timestamp, nullable, stringEnum } from '../common.js';
import { Problem } from '../problem.js';
import { Image } from './storage.schemas.js';
import { Task } from './task.schemas.js';
import { DriftFinding } from './ops.schemas.js';
import { Vm, VmInstallationSummary, VmMedia, VmState } from './vm.schemas.js';

/*
 * The events WebSocket protocol — GET /api/v1/events?since=<id>&topics=vm,task
 *
 * 1. The client opens the WebSocket. Tokens never travel in URLs (they end up in logs and history), and browsers
 *    cannot set headers on a WebSocket, so:
 * 2. the client's first message is `{"type":"auth","token":"<bearer token>"}` (EventsAuthMessage);
 * 3. the server answers `{"type":"ready","lastEventId":<n>}` (EventsReadyMessage), or sends
 *    `{"type":"error","problem":{…}}` and closes with 4401 (bad token) / 4403 / 4400 (bad query). A client that
 *    has not authenticated within 10 s is closed with 4408.
 * 4. Then the server sends, one JSON text frame each and in id order: the events after `since` (replay), then
 *    live events. When `since` is older than the retained log (or unknown), the first event is `sync.reset`:
 *    the client must refetch its state; live events follow it. Without `since` only live events are sent.
 * 5. The client remembers the `id` of the last event it processed and reconnects with `since=<that id>`; it
 *    drops any event whose id is not above it (never a duplicate). After `sync.reset` it takes the reset's `id`
 *    as its new position, even if lower.
 * 6. On shutdown the server closes with 1001 (going away); clients reconnect with backoff. Keepalive is the
 *    WebSocket ping/pong of the transport.
 * `topics` filters by resource kind (`vm`, `task`, `image`, `drift`); `sync.reset` is always delivered. A member
 * receives only events about resources it may read.
 */

/** The URL (under `/api/v1`) of the events WebSocket. */
export const EVENTS_PATH = '/events';
/** The URL template (under `/api/v1`) of console WebSockets; `POST /vms/{id}/console` hands out the ticket. */
export const CONSOLES_PATH = '/consoles/:ticket';

/*
 * The console WebSocket — GET /api/v1/consoles/<ticket> (the `url` of POST /vms/{id}/console)
 *
 * The ticket is the credential: no token and no auth message. It is redeemed by the upgrade request itself, once.
 * A ticket that is unknown, malformed, already used or older than 30 s is refused BEFORE the upgrade with a plain
 * HTTP 401 problem (`CONSOLE_TICKET_INVALID`); so is a ticket whose VM stopped (409 `VM_INVALID_STATE`) or is no
 * longer visible to the ticket's user (404 `VM_NOT_FOUND`). Browsers only see a failed WebSocket (close 1006).
 * After the upgrade the frames are the console's raw bytes, both ways: RFB for `vnc`, the serial line for
 * `serial`. Clients send binary frames (text frames are taken as their UTF-8 bytes). The server closes with one
 * of ConsoleCloseCode and a short reason.
 */

/** WebSocket close codes of console sessions. */
export const ConsoleCloseCode = {
  /** The client ended the session, or the server did for a normal reason. */
  Normal: 1000,
  /** Server shutdown or restart: request a new ticket after it is back. */
  GoingAway: 1001,
  /** The server failed; the reason says no more (the log has the request id). */
  InternalError: 1011,
  /** The VM's side of the console closed: its VNC server went away, or another session took the serial console. */
  ConsoleClosed: 4000,
  /** Nothing went either way for the idle limit, or the client stopped answering pings. */
  IdleTimeout: 4408,
  /** The VM stopped (or crashed): open a new console after starting it. */
  VmStopped: 4409,
  /** The console could not be opened (libvirt unreachable, no VNC display); the reason says why. */
  Unavailable: 4503,
} as const;
export type ConsoleCloseCode = (typeof ConsoleCloseCode)[keyof typeof ConsoleCloseCode];

/** WebSocket close codes used by the events endpoint. */
export const EventsCloseCode = {
  /** Server shutdown or restart: reconnect. */
  GoingAway: 1001,
  /** `since` or `topics` is invalid: do not reconnect with the same query. */
  InvalidRequest: 4400,
  /** The auth message was missing, malformed, or its token unknown or expired: do not reconnect. */
  Unauthenticated: 4401,
  /** The token may not read events. */
  Forbidden: 4403,
  /** No auth message within 10 s of opening. */
  AuthTimeout: 4408,
} as const;

export const EventTopic = stringEnum(['vm', 'task', 'image', 'drift']);
export type EventTopic = Static<typeof EventTopic>;

/** The query of the events WebSocket. */
export const EventsQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Integer({ minimum: 0, description: 'The id of the last event the client processed.' }),
    ),
    topics: Type.Optional(
      Type.String({
        pattern: '^(vm|task|image|drift)(,(vm|task|image|drift))*$',
        description: 'Comma-separated.',
      }),
    ),
  },
  { title: 'EventsQuery' },
);
export type EventsQuery = Static<typeof EventsQuery>;

function event<const T extends string, const K extends string, D extends TSchema>(
  type: T,
  kind: K,
  data: D,
  title: string,
): TObject<{
  id: TInteger;
  type: TLiteral<T>;
  time: TString;
  resource: TObject<{ kind: TLiteral<K>; id: TString }>;
  data: D;
}> {
  return Type.Object(
    {
      id: Type.Integer({ minimum: 0, description: 'Monotonically increasing.' }),
      type: Type.Literal(type),
      time: Timestamp,
      resource: Type.Object({ kind: Type.Literal(kind), id: Type.String() }),
      data,
    },
    { title },
  );
}

const lifecycle = Type.Object(
  {
    name: Type.String({ description: 'The VM name.' }),
    state: VmState,
    previousState: VmState,
    reason: Type.String({
      description: "libvirt's reason as a word: booted, shutdown, destroyed, crashed, …",
    }),
  },
  { title: 'VmLifecycleData' },
);

export const VmCreatedEvent = event('vm.created', 'vm', Type.Object({ vm: Vm }), 'VmCreatedEvent');
export const VmStartedEvent = event('vm.started', 'vm', lifecycle, 'VmStartedEvent');
export const VmStoppedEvent = event('vm.stopped', 'vm', lifecycle, 'VmStoppedEvent');
export const VmPausedEvent = event('vm.paused', 'vm', lifecycle, 'VmPausedEvent');
export const VmResumedEvent = event('vm.resumed', 'vm', lifecycle, 'VmResumedEvent');
export const VmCrashedEvent = event('vm.crashed', 'vm', lifecycle, 'VmCrashedEvent');
/** The guest suspended itself to RAM or disk (ACPI S3/S4). */
export const VmSuspendedEvent = event('vm.suspended', 'vm', lifecycle, 'VmSuspendedEvent');
export const VmDeletedEvent = event(
  'vm.deleted',
  'vm',
  Type.Object({ name: Type.String() }),
  'VmDeletedEvent',
);
export const VmUpdatedEvent = event('vm.updated', 'vm', Type.Object({ vm: Vm }), 'VmUpdatedEvent');
export const VmMediaChangedEvent = event(
  'vm.media-changed',
  'vm',
  Type.Object({ media: nullable(VmMedia) }),
  'VmMediaChangedEvent',
);
export const VmInstallationChangedEvent = event(
  'vm.installation-changed',
  'vm',
  Type.Object({ installation: VmInstallationSummary }),
  'VmInstallationChangedEvent',
);
export const ImageDeletedEvent = event(
  'image.deleted',
  'image',
  Type.Object({ name: Type.String() }),
  'ImageDeletedEvent',
);
export const TaskUpdatedEvent = event(
  'task.updated',
  'task',
  Type.Object({ task: Task }),
  'TaskUpdatedEvent',
);
export const ImageUpdatedEvent = event(
  'image.updated',
  'image',
  Type.Object({ image: Image }),
  'ImageUpdatedEvent',
);
export const DriftDetectedEvent = event(
  'drift.detected',
  'drift',
  Type.Object({ finding: DriftFinding }),
  'DriftDetectedEvent',
);
/**
 * The replay cannot be complete (`since` is older than the retained log, or unknown): refetch everything. Its
 * `id` is the position to resume from; `resource` is `{ kind: 'system', id: 'events' }`.
 */
export const SyncResetEvent = event(
  'sync.reset',
  'system',
  Type.Object({
    reason: stringEnum(['since_too_old', 'since_unknown']),
    oldestId: nullable(Type.Integer({ minimum: 0 })),
  }),
  'SyncResetEvent',
);

/** Every event the WebSocket delivers: `{ id, type, time, resource, data }`. */
export const EventEnvelope = Type.Union(
  [
    VmCreatedEvent,
    VmStartedEvent,
    VmStoppedEvent,
    VmPausedEvent,
    VmResumedEvent,
    VmCrashedEvent,
    VmSuspendedEvent,
    VmDeletedEvent,
    VmUpdatedEvent,
    VmMediaChangedEvent,
    VmInstallationChangedEvent,
    TaskUpdatedEvent,
    ImageUpdatedEvent,
    ImageDeletedEvent,
    DriftDetectedEvent,
    SyncResetEvent,
  ],
  { title: 'EventEnvelope' },
);
export type EventEnvelope = Static<typeof EventEnvelope>;
/** Every event type (`vm.started`, …, `sync.reset`). */
export type EventType = EventEnvelope['type'];
/** The event of one type: `EventOf<'task.updated'>['data']['task']`. */
export type EventOf<T extends EventType> = Extract<EventEnvelope, { type: T }>;

/** Every event type, in the order of `EventEnvelope`. */
export const eventTypes: readonly EventType[] = EventEnvelope.anyOf.map((s) => s.properties.type.const);

/** Client → server: the first message after the WebSocket opens. */
export const EventsAuthMessage = Type.Object(
  { type: Type.Literal('auth'), token: Type.String({ minLength: 1 }) },
  { additionalProperties: false, title: 'EventsAuthMessage' },
);
export type EventsAuthMessage = Static<typeof EventsAuthMessage>;

/** Server → client: authenticated; events follow. `lastEventId` is the newest id in the log right now. */
export const EventsReadyMessage = Type.Object(
  { type: Type.Literal('ready'), lastEventId: Type.Integer({ minimum: 0 }) },
  { title: 'EventsReadyMessage' },
);
export type EventsReadyMessage = Static<typeof EventsReadyMessage>;

/** Server → client, right before a 44xx close: why. */
export const EventsErrorMessage = Type.Object(
  { type: Type.Literal('error'), problem: Problem },
  { title: 'EventsErrorMessage' },
);
export type EventsErrorMessage = Static<typeof EventsErrorMessage>;

/** Any frame the server sends on the events WebSocket. */
export const EventsServerMessage = Type.Union([EventsReadyMessage, EventsErrorMessage, EventEnvelope], {
  title: 'EventsServerMessage',
});
export type EventsServerMessage = Static<typeof EventsServerMessage>;
