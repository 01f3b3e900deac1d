import type { Duplex } from 'node:stream';
import { ConsoleCloseCode } from '@gureum/contract';
import type { RawData, WebSocket } from 'ws';

/** Bytes the WebSocket may hold unsent before the console's output is paused, and the level that resumes it. */
const HIGH_WATER_BYTES = 1024 * 1024;
const LOW_WATER_BYTES = 256 * 1024;
/** When the console's stream ends while the live view still says running, how long to wait for the stop event. */
const STOP_GRACE_MS = 2_000;
/** A WebSocket close reason is at most 123 bytes of UTF-8. */
const MAX_REASON_BYTES = 123;

export interface BridgeOptions {
  idleTimeoutMs: number;
  pingIntervalMs: number;
  /** When the console's stream ends while the VM still seems up, how long to wait for its stop (ms, default 2000). */
  stopGraceMs?: number;
  /** Resolves when the VM stopped (by the live view); must never settle after `signal` aborts. */
  vmStopped(signal: AbortSignal): Promise<unknown>;
  /** True while the VM is running or paused, by the live view. */
  isVmUp(): boolean;
  /** What the client sent before the bridge was in place (while the console opened): written to the VM first. */
  earlyInput?: readonly Buffer[];
  /** Called once, after both sides were told to close. */
  onEnd(end: BridgeEnd): void;
}

export interface BridgeEnd {
  code: number;
  reason: string;
  durationMs: number;
  bytesToVm: number;
  bytesFromVm: number;
}

/** Cuts a close reason to what the protocol allows, on a character boundary. */
export function closeReason(text: string): string {
  let out = text;
  while (Buffer.byteLength(out, 'utf8') > MAX_REASON_BYTES) out = out.slice(0, -1);
  return out;
}

export function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Pipes a console WebSocket and the VM's console stream into each other until either ends, with back-pressure both
 * ways: the console's output is paused while the WebSocket holds more than 1 MiB unsent, and the WebSocket stops
 * being read while the console's stream refuses more input. Both sides close together; the VM stopping, the idle
 * limit and a client that stops answering pings end the session with their own close code (ConsoleCloseCode).
 */
export function bridgeConsole(ws: WebSocket, upstream: Duplex, options: BridgeOptions): void {
  const started = Date.now();
  const lifetime = new AbortController();
  let lastActivity = started;
  let bytesToVm = 0;
  let bytesFromVm = 0;
  let finished = false;
  let upstreamDone = false;
  let waitingForDrain = false;
  let answeredPing = true;

  const finish = (code: number, reason: string, how: 'close' | 'terminate' = 'close'): void => {
    if (finished) return;
    finished = true;
    clearInterval(pingTimer);
    clearInterval(idleTimer);
    lifetime.abort();
    upstream.destroy();
    if (ws.readyState === ws.OPEN) {
      if (how === 'terminate') ws.terminate();
      else ws.close(code, closeReason(reason));
    }
    options.onEnd({ code, reason, durationMs: Date.now() - started, bytesToVm, bytesFromVm });
  };

  // VM → client.
  const afterSend = (err?: Error): void => {
    if (err || finished) return;
    if (upstream.isPaused() && ws.bufferedAmount <= LOW_WATER_BYTES) upstream.resume();
  };
  upstream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    bytesFromVm += chunk.length;
    lastActivity = Date.now();
    ws.send(chunk, { binary: true }, afterSend);
    if (ws.bufferedAmount > HIGH_WATER_BYTES) upstream.pause();
  });

  // The VM's side ended: say "VM stopped" when that is why, even if the stop event is a moment behind the stream.
  const upstreamEnded = (): void => {
    if (upstreamDone || finished) return;
    upstreamDone = true;
    if (!options.isVmUp()) {
      finish(ConsoleCloseCode.VmStopped, 'the VM stopped');
      return;
    }
    const grace = setTimeout(() => {
      finish(ConsoleCloseCode.ConsoleClosed, 'the console was closed on the VM side');
    }, options.stopGraceMs ?? STOP_GRACE_MS);
    lifetime.signal.addEventListener('abort', () => {
      clearTimeout(grace);
    });
  };
  upstream.on('end', upstreamEnded);
  upstream.on('close', upstreamEnded);
  upstream.on('error', upstreamEnded);

  // Client → VM.
  const toVm = (bytes: Buffer): void => {
    if (upstreamDone || finished || bytes.length === 0) return;
    bytesToVm += bytes.length;
    lastActivity = Date.now();
    if (!upstream.write(bytes) && !waitingForDrain) {
      waitingForDrain = true;
      ws.pause();
      upstream.once('drain', () => {
        waitingForDrain = false;
        ws.resume();
      });
    }
  };
  for (const bytes of options.earlyInput ?? []) toVm(bytes);
  // The early input may have paused the socket (too much of it): reading resumes once the VM took it.
  if (ws.isPaused && !upstream.writableNeedDrain) ws.resume();
  ws.on('message', (data: RawData) => {
    toVm(toBuffer(data));
  });
  ws.on('close', (code: number, reason: Buffer) => {
    finish(code, reason.toString('utf8') || 'closed by the client');
  });
  ws.on('pong', () => {
    answeredPing = true;
  });

  const pingTimer = setInterval(() => {
    if (!answeredPing) {
      finish(ConsoleCloseCode.IdleTimeout, 'the client stopped answering pings', 'terminate');
      return;
    }
    answeredPing = false;
    ws.ping();
  }, options.pingIntervalMs);
  const idleTimer = setInterval(
    () => {
      if (Date.now() - lastActivity >= options.idleTimeoutMs) {
        finish(
          ConsoleCloseCode.IdleTimeout,
          `idle for ${String(Math.round(options.idleTimeoutMs / 1000))} s`,
        );
      }
    },
    Math.max(50, Math.min(options.idleTimeoutMs / 4, 60_000)),
  );

  void options.vmStopped(lifetime.signal).then(() => {
    finish(ConsoleCloseCode.VmStopped, 'the VM stopped');
  });
}
