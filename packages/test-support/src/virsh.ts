import { execFile } from 'node:child_process';

/** Result of one `virsh` run. `code` is the exit status (0 = success); never throws on a non-zero exit. */
export interface VirshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The URI every test talks to (root libvirtd, see shared/HOST-SETUP.md). */
export const LIBVIRT_URI = 'qemu:///system';

/**
 * Runs `virsh -c qemu:///system ARGS...`: a tiny observer that is independent of Gureum's own libvirt client,
 * for tests only (set-up, clean-up, cross-checking what the code under test did).
 *
 * @example
 * ```ts
 * const { code, stdout } = await virsh(['domstate', 'tg-demo']);
 * ```
 */
export function virsh(args: string[], opts: { timeoutMs?: number } = {}): Promise<VirshResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'virsh',
      ['-c', LIBVIRT_URI, ...args],
      { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err && typeof err.code !== 'number') {
          // spawn failure (ENOENT), timeout or signal: not an answer from virsh
          reject(new Error(`virsh ${args.join(' ')}: ${err.message}`));
          return;
        }
        resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Like {@link virsh} but rejects (with virsh's stderr) when the exit status is not 0; returns stdout. */
export async function virshOk(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const r = await virsh(args, opts);
  if (r.code !== 0) throw new Error(`virsh ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** `virsh domstate NAME` ('running', 'shut off', ...), or undefined when the domain does not exist. */
export async function domainState(name: string): Promise<string | undefined> {
  const r = await virsh(['domstate', name]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Polls `virsh domstate` every 50 ms until it equals `state`; rejects after `timeoutMs` (default 20 s). */
export async function waitForDomainState(name: string, state: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined;
  for (;;) {
    last = await domainState(name);
    if (last === state) return;
    if (Date.now() > deadline) {
      throw new Error(`domain ${name} not '${state}' after ${timeoutMs} ms (last: ${last ?? 'absent'})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Best-effort clean-up: destroy (if running) and undefine a domain; never throws. */
export async function removeDomain(name: string): Promise<void> {
  await virsh(['destroy', name]).catch(() => undefined);
  await virsh(['undefine', name, '--nvram']).catch(() => undefined);
  if ((await domainState(name).catch(() => undefined)) !== undefined) {
    await virsh(['undefine', name]).catch(() => undefined);
  }
}
