import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute paths of the test guests built by scripts/build-test-guests.sh (see this package's README). */
export interface TestGuests {
  /** The cache directory holding everything below. */
  dir: string;
  /** Kernel for direct kernel boot (`<os><kernel>`). */
  vmlinuz: string;
  /** Busybox initramfs for direct kernel boot (`<os><initrd>`); behaviour picked with `tg.*=` kernel args. */
  initrd: string;
  /** 64 MiB bootable qcow2: TG-READY, then holds (shell on ttyS0). Use it as a backing file, never directly. */
  disk: string;
  /** Hybrid installer ISO: installs onto a blank vda, prints TG-INSTALLED id=..., reboots; then boots from vda. */
  installIso: string;
  /** manifest.json: { inputsHash, kernelVersion, builtAt, files: { name: { bytes, sha256 } } }. */
  manifest: string;
}

export interface TestGuestsManifest {
  inputsHash: string;
  kernelVersion: string;
  builtAt: string;
  files: Record<string, { bytes: number; sha256: string }>;
}

/** The repository root (this file is packages/test-support/src/guests.ts). */
export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Where the guests are cached: $GUREUM_TEST_GUESTS_DIR or <repo>/.cache/test-guests (as the build script). */
export function testGuestsDir(): string {
  return resolve(process.env.GUREUM_TEST_GUESTS_DIR ?? join(repoRoot, '.cache/test-guests'));
}

function paths(dir: string): TestGuests {
  return {
    dir,
    vmlinuz: join(dir, 'vmlinuz'),
    initrd: join(dir, 'initrd.gz'),
    disk: join(dir, 'disk.qcow2'),
    installIso: join(dir, 'install.iso'),
    manifest: join(dir, 'manifest.json'),
  };
}

let pending: Promise<TestGuests> | undefined;

/**
 * Builds the test guests if any input changed (first build ~6 s and a ~27 MB kernel .deb download; afterwards
 * a no-op taking ~0.05 s) and returns their absolute paths. Runs scripts/build-test-guests.sh once per process;
 * the script itself serialises concurrent builds (flock), so parallel workers are safe. Needs root.
 *
 * @example
 * ```ts
 * const guests = await ensureTestGuests();
 * await execFileP('qemu-img', ['create', '-f', 'qcow2', '-F', 'qcow2', '-b', guests.disk, overlay]);
 * ```
 */
export function ensureTestGuests(): Promise<TestGuests> {
  pending ??= new Promise<TestGuests>((resolvePromise, reject) => {
    const script = join(repoRoot, 'scripts/build-test-guests.sh');
    const dir = testGuestsDir();
    execFile(
      'bash',
      [script],
      { env: { ...process.env, GUREUM_TEST_GUESTS_DIR: dir }, maxBuffer: 16 * 1024 * 1024, timeout: 600_000 },
      (err, _stdout, stderr) => {
        if (err) {
          reject(new Error(`scripts/build-test-guests.sh failed: ${err.message}\n${stderr.slice(-3000)}`));
          return;
        }
        resolvePromise(paths(dir));
      },
    );
  });
  pending.catch(() => {
    pending = undefined; // let a later call retry
  });
  return pending;
}

/** Parses manifest.json of built guests. */
export function readTestGuestsManifest(guests: TestGuests): TestGuestsManifest {
  return JSON.parse(readFileSync(guests.manifest, 'utf8')) as TestGuestsManifest;
}
