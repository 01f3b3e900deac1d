import type { Duplex } from 'node:stream';
import { BASE_PATH, CONSOLES_PATH, ConsoleCloseCode } from '@gureum/contract';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import { AppError } from '../domain/errors.js';
import type { AppServices } from '../http/context.js';
import type { ConsoleRequestMeta, ConsoleSession } from '../services/console.service.js';
import { bridgeConsole, closeReason, toBuffer } from './console-bridge.js';

/** What a client may send while its console is still being opened, before the socket stops being read. */
const MAX_EARLY_INPUT_BYTES = 1024 * 1024;

function metaOf(req: FastifyRequest): ConsoleRequestMeta {
  return { requestId: req.id, sourceAddress: req.ip };
}

/**
 * `GET /api/v1/consoles/:ticket`: the console WebSocket. The ticket is redeemed by the upgrade request, before the
 * upgrade, so every refusal (bad, used or expired ticket; VM gone or stopped) is a plain HTTP problem and no
 * WebSocket is ever opened for it. A plain GET (no upgrade) is refused without spending the ticket. After the
 * upgrade the VM's console is opened and the two are bridged (see console-bridge.ts).
 */
export function registerConsoleSocket(app: FastifyInstance, s: AppServices): void {
  const sessions = new WeakMap<FastifyRequest, ConsoleSession>();

  app.get(
    BASE_PATH + CONSOLES_PATH,
    {
      websocket: true,
      preValidation: async (req) => {
        if (!req.ws) {
          throw new AppError(
            'VALIDATION_FAILED',
            'invalid',
            'Open this URL as a WebSocket (Upgrade: websocket); the ticket was not used.',
          );
        }
        if (s.isShuttingDown()) {
          throw new AppError('SERVER_SHUTTING_DOWN', 'unavailable', 'The server is shutting down.');
        }
        const params = req.params as { ticket?: unknown };
        const ticket = typeof params.ticket === 'string' ? params.ticket : '';
        sessions.set(req, await s.consoles.redeem(ticket, metaOf(req)));
      },
    },
    (socket: WebSocket, req) => {
      const session = sessions.get(req);
      sessions.delete(req);
      if (!session) {
        socket.close(ConsoleCloseCode.InternalError, 'no console session');
        return;
      }
      const log = req.log.child({
        ws: 'console',
        vm: session.vmId,
        kind: session.kind,
        ticketId: session.ticketId,
      });
      runSession(socket, session, metaOf(req), s, log).catch((err: unknown) => {
        log.error({ err }, 'console session failed');
        socket.close(ConsoleCloseCode.InternalError, 'internal error');
      });
    },
  );
}

async function runSession(
  ws: WebSocket,
  session: ConsoleSession,
  meta: ConsoleRequestMeta,
  s: AppServices,
  log: FastifyBaseLogger,
): Promise<void> {
  // The client may leave while the console is being opened: stop opening it.
  const opening = new AbortController();
  const onEarlyClose = (): void => {
    opening.abort(new Error('the client closed the console before it opened'));
  };
  ws.once('close', onEarlyClose);
  // A client may type as soon as the socket is open, before the console is: keep those bytes (up to a limit,
  // beyond which the socket is no longer read) and send them first.
  const early: Buffer[] = [];
  let earlyBytes = 0;
  const onEarlyMessage = (data: RawData): void => {
    const bytes = toBuffer(data);
    early.push(bytes);
    earlyBytes += bytes.length;
    if (earlyBytes > MAX_EARLY_INPUT_BYTES) ws.pause();
  };
  ws.on('message', onEarlyMessage);
  let upstream: Duplex;
  try {
    upstream = await s.consoles.open(session, opening.signal);
  } catch (err: unknown) {
    if (opening.signal.aborted) {
      log.info('the client left before the console opened');
      s.consoles.recordOpen(session, meta, 'client-left');
      return;
    }
    const failure =
      err instanceof AppError ? err : new AppError('INTERNAL', 'internal', 'The console failed to open.');
    if (!(err instanceof AppError)) log.error({ err }, 'opening the console failed');
    else log.info({ code: err.code }, 'the console could not be opened');
    s.consoles.recordOpen(session, meta, failure);
    const code =
      failure.code === 'VM_INVALID_STATE' && !s.consoles.isVmUp(session)
        ? ConsoleCloseCode.VmStopped
        : failure.kind === 'internal'
          ? ConsoleCloseCode.InternalError
          : ConsoleCloseCode.Unavailable;
    if (ws.readyState === ws.OPEN) ws.close(code, closeReason(failure.message));
    return;
  } finally {
    ws.off('close', onEarlyClose);
    ws.off('message', onEarlyMessage);
  }
  if (ws.readyState !== ws.OPEN) {
    upstream.destroy();
    s.consoles.recordOpen(session, meta, 'client-left');
    return;
  }
  s.consoles.recordOpen(session, meta);
  log.info('console opened');
  bridgeConsole(ws, upstream, {
    ...s.consoles.limits,
    earlyInput: early,
    vmStopped: (signal) => s.consoles.whenVmStops(session, signal),
    isVmUp: () => s.consoles.isVmUp(session),
    onEnd: (end) => {
      log.info({ code: end.code, reason: end.reason, durationMs: end.durationMs }, 'console closed');
      s.consoles.recordClose(session, meta, end);
    },
  });
}
