/**
 * Typing on a VM's serial console. Gureum defines a pty serial (logged to a file); `virsh console` attaches to
 * it, and needs a terminal, so it runs under `script` (see shared/TEST-GUESTS.md §3).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { LIBVIRT_URI } from '@gureum/test-support';
import { waitUntil } from './observe.js';

export class VirshConsole {
  private text = '';
  private hasExited = false;
  readonly exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('latin1');
    child.stdout?.on('data', (d: string) => {
      this.text += d;
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        this.hasExited = true;
        resolve();
      });
    });
  }

  /** Attaches to the serial console of `domain` (a DNS-label name) and waits until virsh says it is connected. */
  static async open(domain: string, timeoutMs = 10_000): Promise<VirshConsole> {
    if (!/^[a-z0-9-]+$/.test(domain)) throw new Error(`unsafe domain name for a shell command: ${domain}`);
    const child = spawn(
      'script',
      ['-qec', `virsh -c ${LIBVIRT_URI} console ${domain} --force`, '/dev/null'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    const con = new VirshConsole(child);
    try {
      await waitUntil(
        () => {
          if (con.hasExited) throw new Error(`virsh console exited: ${con.text}`);
          return con.text.includes('Escape character');
        },
        `virsh console ${domain} to connect`,
        timeoutMs,
        20,
      );
    } catch (err: unknown) {
      await con.close();
      throw err;
    }
    return con;
  }

  /** Everything the console printed so far. */
  get output(): string {
    return this.text;
  }

  /** Types a line (Enter is a carriage return on a terminal). */
  writeLine(line: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.child.stdin?.write(`${line}\r`, (err) => {
        if (err) reject(err);
        else resolve();
      });
    });
  }

  /** Detaches (Ctrl-]) and makes sure the process is gone. */
  async close(): Promise<void> {
    if (this.hasExited) return;
    this.child.stdin?.write('\x1d');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}
