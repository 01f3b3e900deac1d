import { open, stat } from 'node:fs/promises';
import { createConnection, type Socket } from 'node:net';

/** What to wait for: a substring or a regular expression, matched against one complete line at a time. */
export type SerialMarker = string | RegExp;

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface WaitForSerialMarkerOptions extends WaitOptions {
  /** Ignore everything before this byte offset (e.g. {@link serialLogSize} taken before a reboot). */
  fromOffset?: number;
}

const POLL_MS = 20;

function matches(line: string, marker: SerialMarker): boolean {
  return typeof marker === 'string' ? line.includes(marker) : marker.test(line);
}

function describe(marker: SerialMarker): string {
  return typeof marker === 'string' ? JSON.stringify(marker) : String(marker);
}

/** Splits on \n, drops the \r of serial line ends; only complete (terminated) lines are returned. */
function completeLines(text: string): string[] {
  const end = text.lastIndexOf('\n');
  if (end < 0) return [];
  return text
    .slice(0, end)
    .split('\n')
    .map((l) => l.replace(/\r/g, ''));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal?.reason as Error);
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Current size of a serial log file in bytes (0 when it does not exist yet). */
export async function serialLogSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Reads a serial log from `fromOffset` on ('' when the file does not exist). */
export async function readSerialLog(path: string, fromOffset = 0): Promise<string> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return '';
  }
  try {
    const { size } = await fh.stat();
    if (size <= fromOffset) return '';
    const buf = Buffer.alloc(size - fromOffset);
    const { bytesRead } = await fh.read(buf, 0, buf.length, fromOffset);
    return buf.subarray(0, bytesRead).toString('latin1');
  } finally {
    await fh.close();
  }
}

/**
 * Polls a serial log file (`<serial type='file'>` or a `<log file=.../>` of a pty/unix serial) every 20 ms until
 * a complete line matches `marker`; resolves with that line (without \r\n). A file that does not exist yet is
 * waited for. Rejects after `timeoutMs` (the error carries the log's tail) or when `signal` aborts.
 *
 * @example
 * ```ts
 * const line = await waitForSerialMarker(log, /TG-INSTALLED id=\w+/, { timeoutMs: 40_000 });
 * const id = /id=(\w+)/.exec(line)?.[1];
 * ```
 */
export async function waitForSerialMarker(
  path: string,
  marker: SerialMarker,
  opts: WaitForSerialMarkerOptions = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const base = opts.fromOffset ?? 0;
  let text = '';
  let checked = 0; // lines already checked
  for (;;) {
    opts.signal?.throwIfAborted();
    text = await readSerialLog(path, base);
    const lines = completeLines(text);
    for (let i = checked; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (matches(line, marker)) return line;
    }
    checked = lines.length;
    if (Date.now() > deadline) {
      throw new Error(
        `serial marker ${describe(marker)} not seen in ${path} within ${timeoutMs} ms; last output:\n${text.slice(-1500)}`,
      );
    }
    await sleep(POLL_MS, opts.signal);
  }
}

/**
 * A connection to a `<serial type='unix'><source mode='bind' path='...'/></serial>` console (QEMU is the server).
 * Output is read continuously (a client that stops reading can stall the guest's console output, and bytes
 * still unread by QEMU are dropped when the client disconnects: {@link close} waits briefly for that reason).
 *
 * @example
 * ```ts
 * const con = await SerialConsole.connect(sock);
 * await con.waitFor('TG-READY');
 * const { output } = await con.run('echo hi');   // 'hi'
 * await con.close();
 * ```
 */
export class SerialConsole {
  private buf = '';
  private mark = 0;
  private closed = false;
  private seq = 0;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
    });
    sock.on('close', () => {
      this.closed = true;
    });
    sock.on('error', () => {
      this.closed = true;
    });
  }

  /** Connects, retrying every 20 ms until the socket exists and accepts (QEMU creates it at `virsh start`). */
  static async connect(path: string, opts: WaitOptions = {}): Promise<SerialConsole> {
    const timeoutMs = opts.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      opts.signal?.throwIfAborted();
      try {
        const sock = await new Promise<Socket>((resolve, reject) => {
          const s = createConnection(path);
          s.once('connect', () => {
            s.removeListener('error', reject);
            resolve(s);
          });
          s.once('error', reject);
        });
        return new SerialConsole(sock);
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`cannot connect to serial socket ${path} within ${timeoutMs} ms: ${String(err)}`);
        }
        await sleep(POLL_MS, opts.signal);
      }
    }
  }

  /** Everything received since the connection was opened (\r removed). */
  get output(): string {
    return this.buf.replace(/\r/g, '');
  }

  /** Makes later {@link waitFor} calls ignore the output received so far. */
  markNow(): void {
    this.mark = this.buf.length;
  }

  /** Writes raw text (no newline added). */
  async write(text: string): Promise<void> {
    if (this.closed) throw new Error('serial console closed');
    await new Promise<void>((resolve, reject) => {
      this.sock.write(text, 'latin1', (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Writes `line` followed by a newline (the guest's tty turns it into Enter). */
  async writeLine(line: string): Promise<void> {
    await this.write(`${line}\n`);
  }

  /**
   * Waits until a complete line received after the last {@link markNow} matches `marker`; resolves with the
   * line. Rejects after `timeoutMs` (default 30 s), on abort, or when the socket closes.
   */
  async waitFor(marker: SerialMarker, opts: WaitOptions = {}): Promise<string> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      opts.signal?.throwIfAborted();
      for (const line of completeLines(this.buf.slice(this.mark))) {
        if (matches(line, marker)) return line;
      }
      if (this.closed) throw new Error(`serial console closed before ${describe(marker)} was seen`);
      if (Date.now() > deadline) {
        throw new Error(
          `serial marker ${describe(marker)} not seen within ${timeoutMs} ms; last output:\n${this.output.slice(-1500)}`,
        );
      }
      await sleep(POLL_MS, opts.signal);
    }
  }

  /**
   * Runs a shell command on the guest's serial shell (test guests with tg.hold=1) and resolves with its output
   * (the lines between a begin and an end marker, trimmed) and exit status. Do not run commands concurrently.
   */
  async run(command: string, opts: WaitOptions = {}): Promise<{ output: string; code: number }> {
    const n = ++this.seq;
    // The tty echoes what we type (and line editing may wrap it): the quotes split the markers in the echo,
    // so only the lines printed by `echo` itself are exactly "TGBEGIN<n>" / "TGEND<n> rc=<status>".
    this.markNow();
    const start = this.buf.length;
    await this.writeLine(`echo "TG""BEGIN${n}"; ${command}; echo "TG""END${n} rc=$?"`);
    const endLine = await this.waitFor(new RegExp(`^TGEND${n} rc=\\d+$`), opts);
    const lines = completeLines(this.buf.slice(start));
    const begin = lines.indexOf(`TGBEGIN${n}`);
    const end = lines.indexOf(endLine);
    return {
      output: lines
        .slice(begin + 1, end)
        .join('\n')
        .trim(),
      code: Number(/rc=(\d+)$/.exec(endLine)?.[1] ?? -1),
    };
  }

  /** Closes the connection after a short grace period so QEMU has read everything written. */
  async close(graceMs = 100): Promise<void> {
    if (this.closed) return;
    await sleep(graceMs);
    await new Promise<void>((resolve) => {
      this.sock.end(() => {
        resolve();
      });
      setTimeout(resolve, 500).unref();
    });
    this.sock.destroy();
    this.closed = true;
  }
}
