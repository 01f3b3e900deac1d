import { describeError } from '../../lib/format';
import type { GureumClient } from '@gureum/client';
import { ConsoleCloseCode } from '@gureum/contract';

export type ConsoleType = 'vnc' | 'serial';

/**
 * Gets a single-use ticket (`POST /vms/{id}/console`, valid ≤ 30 s) and opens the console's WebSocket at once.
 * The ticket is the only credential: the bearer token never goes into the URL.
 */
export async function openConsoleSocket(
  client: GureumClient,
  vmId: string,
  type: ConsoleType,
  origin: string = window.location.origin,
): Promise<WebSocket> {
  const ticket = await client.createVmConsole({ id: vmId, type });
  const ws = new WebSocket(consoleSocketUrl(origin, ticket.url));
  ws.binaryType = 'arraybuffer';
  return ws;
}

/** `http://host:8080` + `/api/v1/consoles/abc` → `ws://host:8080/api/v1/consoles/abc`. */
export function consoleSocketUrl(origin: string, path: string): string {
  const url = new URL(path, origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** Why a console closed, in words, and whether opening a new one may help. */
export interface CloseExplanation {
  readonly title: string;
  readonly detail: string;
  readonly canReconnect: boolean;
}

/** Why the console could not be opened at all (the ticket request or socket failed); the user can retry. */
export function explainOpenFailure(err: unknown): CloseExplanation {
  const view = describeError(err);
  return { title: view.title, detail: view.detail, canReconnect: true };
}

/**
 * Explains a console socket's close. A socket that never opened was refused at the upgrade: the ticket was used,
 * expired or refused (the server answers those with an HTTP problem, which browsers do not show to scripts).
 */
export function explainClose(code: number, reason: string, opened: boolean): CloseExplanation {
  if (!opened) {
    return {
      title: 'The console could not be opened',
      detail:
        'The server refused the connection: the ticket expired or was already used, the VM is not running, or the ' +
        'server is unreachable.',
      canReconnect: true,
    };
  }
  const said = reason ? ` (${reason})` : '';
  switch (code) {
    case ConsoleCloseCode.Normal:
      return { title: 'Console closed', detail: `The session ended${said}.`, canReconnect: true };
    case ConsoleCloseCode.GoingAway:
      return {
        title: 'The server is restarting',
        detail: 'Reconnect once it is back.',
        canReconnect: true,
      };
    case ConsoleCloseCode.VmStopped:
      return {
        title: 'The VM stopped',
        detail: 'Start it again, then reconnect.',
        canReconnect: true,
      };
    case ConsoleCloseCode.IdleTimeout:
      return {
        title: 'Closed after a long idle time',
        detail: `Nothing was sent either way for too long${said}.`,
        canReconnect: true,
      };
    case ConsoleCloseCode.ConsoleClosed:
      return {
        title: 'The VM side closed the console',
        detail: `Its display went away, or another session took the serial console${said}.`,
        canReconnect: true,
      };
    case ConsoleCloseCode.Unavailable:
      return {
        title: 'Console unavailable',
        detail: reason || 'libvirt or the display is unreachable.',
        canReconnect: true,
      };
    case ConsoleCloseCode.InternalError:
      return { title: 'The server failed', detail: reason || 'See the server log.', canReconnect: true };
    default:
      return {
        title: 'Connection lost',
        detail: `The connection closed unexpectedly (code ${code})${said}.`,
        canReconnect: true,
      };
  }
}
