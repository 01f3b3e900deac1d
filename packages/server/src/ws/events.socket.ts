import { BASE_PATH, EVENTS_PATH, EventsCloseCode } from '@gureum/contract';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { AppError } from '../domain/errors.js';
import type { EventRecord } from '../domain/model.js';
import type { AppServices } from '../http/context.js';
import { canSee, type Actor } from '../services/access.js';
import type { EventClientCursor } from '../services/metrics.js';
import { problemFromError } from '../tasks/index.js';

const AUTH_TIMEOUT_MS = 10_000;
const REPLAY_BATCH = 500;
/** A client that lets this much pile up unread is too slow to follow the stream: it reconnects with `since`. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
const TOPICS = new Set(['vm', 'task', 'image', 'drift']);

/** The wire shape of an event: `{ id, type, time, resource: { kind, id }, data }`. */
export function toEnvelope(e: EventRecord): unknown {
  return {
    id: e.id,
    type: e.type,
    time: e.time,
    resource: { kind: e.resourceKind, id: e.resourceId },
    data: e.data,
  };
}

function parseQuery(query: unknown): { since: number | null; topics: Set<string> | null } | null {
  const q = (query ?? {}) as Record<string, unknown>;
  let since: number | null = null;
  if (q.since !== undefined) {
    if (typeof q.since !== 'string' || !/^\d{1,15}$/.test(q.since)) return null;
    since = Number(q.since);
  }
  let topics: Set<string> | null = null;
  if (q.topics !== undefined) {
    if (typeof q.topics !== 'string') return null;
    const list = q.topics.split(',');
    if (list.some((t) => !TOPICS.has(t))) return null;
    topics = new Set(list);
  }
  return { since, topics };
}

/**
 * `GET /api/v1/events`: authenticate with the first message, replay the log after `since`, then stream live
 * events. The live subscription starts BEFORE the replay reads the log, and events are de-duplicated by id, so
 * nothing published during the replay is lost or sent twice.
 */
export function registerEventsSocket(app: FastifyInstance, s: AppServices): void {
  app.get(BASE_PATH + EVENTS_PATH, { websocket: true }, (socket: WebSocket, req) => {
    const log = req.log.child({ ws: 'events' });
    if (s.isShuttingDown()) {
      // Sockets open at shutdown were closed with 1001; one opened while draining gets the same answer.
      socket.close(EventsCloseCode.GoingAway, 'server shutting down');
      return;
    }
    const query = parseQuery(req.query);
    const fail = (code: number, err: AppError): void => {
      socket.send(JSON.stringify({ type: 'error', problem: problemFromError(err, req.id) }));
      socket.close(code, err.code);
    };
    if (!query) {
      fail(
        EventsCloseCode.InvalidRequest,
        new AppError(
          'VALIDATION_FAILED',
          'invalid',
          'since must be an integer; topics a list of vm, task, image, drift.',
        ),
      );
      return;
    }
    const authTimer = setTimeout(() => {
      fail(
        EventsCloseCode.AuthTimeout,
        new AppError('UNAUTHENTICATED', 'unauthenticated', 'No auth message within 10 s.'),
      );
    }, AUTH_TIMEOUT_MS);
    let started = false;
    let unsubscribe: (() => void) | null = null;
    let cursor: EventClientCursor | null = null;
    socket.on('close', () => {
      clearTimeout(authTimer);
      unsubscribe?.();
      cursor?.close();
    });
    socket.on('message', (raw: Buffer, isBinary: boolean) => {
      if (started) return; // the stream is one-way after authentication
      started = true;
      clearTimeout(authTimer);
      void (async () => {
        let token: unknown;
        try {
          const msg: unknown = isBinary ? null : JSON.parse(raw.toString('utf8'));
          token =
            typeof msg === 'object' && msg !== null && (msg as { type?: unknown }).type === 'auth'
              ? (msg as { token?: unknown }).token
              : undefined;
        } catch {
          token = undefined;
        }
        let actor: Actor;
        try {
          const principal = await s.auth.authenticate(typeof token === 'string' ? token : undefined);
          actor = { id: principal.user.id, role: principal.user.role };
        } catch (err: unknown) {
          fail(
            EventsCloseCode.Unauthenticated,
            err instanceof AppError
              ? err
              : new AppError('UNAUTHENTICATED', 'unauthenticated', 'Authentication failed.'),
          );
          return;
        }
        await stream(socket, s, actor, query, log);
      })().catch((err: unknown) => {
        log.error({ err }, 'events socket failed');
        socket.close(1011, 'internal error');
      });
    });

    async function stream(
      ws: WebSocket,
      services: AppServices,
      actor: Actor,
      q: { since: number | null; topics: Set<string> | null },
      logger: typeof log,
    ): Promise<void> {
      const visible = (e: EventRecord): boolean =>
        canSee(actor, e.ownerId) && (q.topics === null || q.topics.has(e.resourceKind));
      let lastSent = 0;
      let replaying = true;
      const pending: EventRecord[] = [];
      const send = (e: EventRecord): void => {
        if (e.id <= lastSent) return;
        lastSent = e.id;
        cursor?.delivered(e.id);
        if (!visible(e)) return;
        if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
          logger.warn({ actor: actor.id }, 'closing a slow events client; it resumes with since');
          ws.close(EventsCloseCode.GoingAway, 'too slow');
          return;
        }
        ws.send(JSON.stringify(toEnvelope(e)));
      };
      unsubscribe = services.events.subscribe((e) => {
        if (replaying) pending.push(e);
        else send(e);
      });
      const { minId, maxId } = await services.db.events.bounds();
      ws.send(JSON.stringify({ type: 'ready', lastEventId: maxId ?? 0 }));
      if (q.since === null) {
        lastSent = maxId ?? 0;
      } else if (q.since > (maxId ?? 0) || (minId !== null && q.since < minId - 1)) {
        // The log cannot fill this gap (trimmed, or an id from another database): tell the client to refetch.
        const resumeAt = maxId ?? 0;
        ws.send(
          JSON.stringify({
            id: resumeAt,
            type: 'sync.reset',
            time: new Date().toISOString(),
            resource: { kind: 'system', id: 'events' },
            data: { reason: q.since > (maxId ?? 0) ? 'since_unknown' : 'since_too_old', oldestId: minId },
          }),
        );
        lastSent = resumeAt;
      } else {
        lastSent = q.since;
        for (;;) {
          const batch = await services.db.events.listAfter(lastSent, REPLAY_BATCH);
          for (const e of batch) send(e);
          if (batch.length < REPLAY_BATCH || ws.readyState !== ws.OPEN) break;
        }
      }
      replaying = false;
      // Where this client stands in the log, for the event-lag metrics (it skips what it may not see, too).
      if (ws.readyState === ws.OPEN) cursor ??= services.metrics.trackEventClient(lastSent);
      for (const e of pending.splice(0)) send(e);
    }
  });
}
