/**
 * Independent observers: what libvirt (through `virsh`, not Gureum's client) and the filesystem say exists.
 */
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readSerialLog, virsh, virshOk } from '@gureum/test-support';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Names of all domains (running or not) starting with `prefix`, sorted (`virsh list --all --name`). */
export async function domainNames(prefix: string): Promise<string[]> {
  const out = await virshOk(['list', '--all', '--name']);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && l.startsWith(prefix))
    .sort();
}

/**
 * Volume names of a storage pool (`virsh vol-list POOL`), sorted; `null` when the pool does not exist.
 */
export async function poolVolumes(pool: string): Promise<string[] | null> {
  await virsh(['pool-refresh', pool]);
  const r = await virsh(['vol-list', pool]);
  if (r.code !== 0) {
    if (/no storage pool|not found/i.test(r.stderr)) return null;
    throw new Error(`virsh vol-list ${pool}: ${r.stderr.trim()}`);
  }
  const lines = r.stdout.split('\n');
  const rule = lines.findIndex((l) => /^-{3,}/.test(l.trim()));
  return lines
    .slice(rule + 1)
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n !== '')
    .sort();
}

/** Paths of the regular files under `dir`, relative to it, sorted ([] when `dir` does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

/** Polls `check` every `intervalMs` until it returns something other than undefined/false; rejects after timeoutMs. */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err: unknown) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * Waits until the serial log shows boot number `boot` of the test guest's disk finished: a `TG-PERSIST count=N`
 * line (the disk counts its boots) followed by `TG-READY`. Resolves with the log text. Boot numbers make a
 * stale log (a previous boot's TG-READY) impossible to mistake for the new one.
 */
export function waitForBoot(log: string, boot: number, timeoutMs = 60_000): Promise<string> {
  return waitUntil(
    async () => {
      const text = await readSerialLog(log);
      const persisted = new RegExp(`TG-PERSIST count=${boot}(?!\\d)`).exec(text);
      if (!persisted) return undefined;
      return text.includes('TG-READY', persisted.index) ? text : undefined;
    },
    `boot ${boot} to reach TG-READY in ${log}`,
    timeoutMs,
    50,
  );
}

/** Occurrences of `marker` in a text. */
export function countOf(text: string, marker: string): number {
  return text.split(marker).length - 1;
}

/** The capacity of a domain's disk as libvirt reports it (`virsh domblkinfo`, QEMU's view while it runs). */
export async function capacityOf(domain: string, target: string): Promise<number> {
  const out = await virshOk(['domblkinfo', domain, target]);
  const m = /^Capacity:\s+(\d+)\s*$/m.exec(out);
  if (!m?.[1]) throw new Error(`no capacity in virsh domblkinfo: ${out}`);
  return Number(m[1]);
}
