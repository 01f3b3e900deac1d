import { describeConsoleClose, type ConsoleClose } from '@gureum/client';
import { ConsoleCloseCode } from '@gureum/contract';
import { WebSocket } from 'ws';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';

/** Ctrl-] (GS), the escape of `virsh console` and telnet. */
const ESCAPE = 0x1d;
/** With piped input: once it ended and the guest has been quiet this long, the session ends. */
const PIPE_QUIET_MS = 1_000;

/**
 * `gureum vm console ID|NAME`: the VM's serial console on this terminal, in raw mode (every key goes to the
 * guest, Ctrl-C included) until Ctrl-]. With piped input, the session ends once the input ended and the guest
 * has been quiet for a second, so `echo uname -a | gureum vm console web-1` works in scripts.
 */
export async function openSerialConsole(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await client.getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
  const con = await client.openConsole({ id: vm.id, type: 'serial' }, { WebSocket, signal: ctx.signal });
  const { stdin, stdout } = ctx.io;
  const raw = stdin.isTTY === true && typeof stdin.setRawMode === 'function';
  ctx.note(`Connected to the serial console of ${vm.name}${raw ? '; Ctrl-] quits' : ''}.`);

  const decoder = new TextDecoder('utf-8');
  let quietTimer: NodeJS.Timeout | undefined;
  // Set by the handlers below (an object, so that the checks after the await see their changes).
  const session = { inputEnded: false, quit: false };
  const armQuietTimer = (): void => {
    if (!session.inputEnded) return;
    clearTimeout(quietTimer);
    quietTimer = setTimeout(() => {
      con.close();
    }, PIPE_QUIET_MS);
  };
  con.onData((bytes) => {
    stdout.write(decoder.decode(bytes, { stream: true }));
    armQuietTimer();
  });
  const onInput = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    const escape = raw ? bytes.indexOf(ESCAPE) : -1;
    if (escape >= 0) {
      if (escape > 0) con.send(bytes.subarray(0, escape));
      session.quit = true;
      con.close();
      return;
    }
    con.send(bytes);
  };
  const onEnd = (): void => {
    session.inputEnded = true;
    armQuietTimer();
  };
  const onAbort = (): void => {
    session.quit = true;
    con.close();
  };
  if (raw) stdin.setRawMode?.(true);
  stdin.on('data', onInput);
  stdin.once('end', onEnd);
  stdin.resume();
  ctx.signal.addEventListener('abort', onAbort, { once: true });

  let closed: ConsoleClose;
  try {
    closed = await con.closed;
  } finally {
    clearTimeout(quietTimer);
    ctx.signal.removeEventListener('abort', onAbort);
    stdin.off('data', onInput);
    stdin.off('end', onEnd);
    if (raw) stdin.setRawMode?.(false);
    stdin.pause();
  }
  const tail = decoder.decode();
  if (tail) stdout.write(tail);
  if (session.quit || session.inputEnded) {
    ctx.note('\r\nDisconnected.');
    return ExitCode.Ok;
  }
  ctx.note(`\r\nConsole closed: ${describeConsoleClose(closed)}.`);
  return closed.code === ConsoleCloseCode.Normal || closed.code === ConsoleCloseCode.VmStopped
    ? ExitCode.Ok
    : ExitCode.Failure;
}
