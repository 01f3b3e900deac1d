import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Everything the server reads from its environment (a config file may add the same keys). */
export interface Config {
  listenHost: string;
  listenPort: number;
  dataDir: string;
  databaseUrl: string | null;
  libvirtUri: string;
  storageDir: string;
  /** Names of the storage pools Gureum manages: `<prefix>-images` and `<prefix>-vms`. */
  poolPrefix: string;
  adminPassword: string | null;
  /** libvirt domain type for new VMs: `kvm` when hardware virtualization works, else `qemu` (TCG). */
  domainType: 'kvm' | 'qemu';
  logLevel: string;
  maxImageBytes: number;
  /**
   * Addresses image downloads may reach although they are loopback, private or reserved (CIDR list, e.g.
   * `10.0.0.0/8 127.0.0.1`); empty: public addresses only.
   */
  downloadAllow: string;
  /** Test-only fault injection (see tasks/faults.ts); empty in production. */
  faults: string;
  /** Graceful stop of a VM: how long the guest gets to power off. */
  stopTimeoutMs: number;
  /** How many events the log keeps for `since=` replay. */
  eventRetention: number;
  /** Directory with the built web UI, served at `/` when present. */
  webDir: string | null;
  /** Failed logins allowed per username and per source address within a sliding window. */
  loginRateLimit: { perUsername: number; perAddress: number; windowMs: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The repository (installation) root: the default home of the data directory. */
export function installationRoot(): string {
  // dist/config/config.js or src/config/config.ts → packages/server → repo root
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
}

const KEYS = [
  'GUREUM_LISTEN',
  'GUREUM_DATA_DIR',
  'GUREUM_DATABASE_URL',
  'GUREUM_LIBVIRT_URI',
  'GUREUM_STORAGE_DIR',
  'GUREUM_POOL_PREFIX',
  'GUREUM_ADMIN_PASSWORD',
  'GUREUM_DOMAIN_TYPE',
  'GUREUM_LOG_LEVEL',
  'GUREUM_MAX_IMAGE_BYTES',
  'GUREUM_DOWNLOAD_ALLOW',
  'GUREUM_FAULTS',
  'GUREUM_STOP_TIMEOUT_MS',
  'GUREUM_EVENT_RETENTION',
  'GUREUM_LOGIN_MAX_FAILURES_PER_USER',
  'GUREUM_LOGIN_MAX_FAILURES_PER_ADDRESS',
  'GUREUM_LOGIN_FAILURE_WINDOW_MS',
  'GUREUM_CONFIG_FILE',
  'GUREUM_HOST_ENV',
] as const;
type Key = (typeof KEYS)[number];

function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] && m[2] !== undefined) out[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  }
  return out;
}

function poolPrefix(value: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(value))
    throw new ConfigError(`GUREUM_POOL_PREFIX must be a short lowercase name`);
  return value;
}

function int(value: string, key: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ConfigError(`${key} must be an integer in ${min}..${max}, got '${value}'`);
  return n;
}

/**
 * Reads the configuration: environment first, then an optional JSON config file (`GUREUM_CONFIG_FILE` or
 * `<dataDir>/config.json`) with the same keys, then defaults. The host set-up script's `host.env` tells whether
 * KVM works.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const root = installationRoot();
  const dataDirRaw = env.GUREUM_DATA_DIR ?? join(root, '.data');
  const dataDir = isAbsolute(dataDirRaw) ? dataDirRaw : resolve(dataDirRaw);
  const fileName = env.GUREUM_CONFIG_FILE ?? join(dataDir, 'config.json');
  let file: Partial<Record<Key, string>> = {};
  if (existsSync(fileName)) {
    const parsed: unknown = JSON.parse(readFileSync(fileName, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null)
      throw new ConfigError(`${fileName} must hold a JSON object`);
    file = Object.fromEntries(
      Object.entries(parsed).filter(
        ([k, v]) => (KEYS as readonly string[]).includes(k) && typeof v === 'string',
      ),
    );
  }
  const get = (key: Key): string | undefined => env[key] ?? file[key];

  const listen = get('GUREUM_LISTEN') ?? '127.0.0.1:8080';
  const m = /^(.*):(\d+)$/.exec(listen);
  if (!m?.[1] || !m[2]) throw new ConfigError(`GUREUM_LISTEN must be host:port, got '${listen}'`);
  const hostEnvFile = get('GUREUM_HOST_ENV') ?? '/var/lib/gureum/host.env';
  const hostEnv = existsSync(hostEnvFile) ? parseEnvFile(readFileSync(hostEnvFile, 'utf8')) : {};
  const domainType = get('GUREUM_DOMAIN_TYPE') ?? hostEnv.GUREUM_DOMAIN_TYPE ?? 'qemu';
  if (domainType !== 'kvm' && domainType !== 'qemu')
    throw new ConfigError(`GUREUM_DOMAIN_TYPE must be kvm or qemu`);
  const webDir = join(root, 'packages', 'web', 'dist');

  return {
    listenHost: m[1].replace(/^\[|\]$/g, ''),
    listenPort: int(m[2], 'GUREUM_LISTEN port', 0, 65535),
    dataDir,
    databaseUrl: get('GUREUM_DATABASE_URL') ?? null,
    libvirtUri: get('GUREUM_LIBVIRT_URI') ?? 'qemu:///system',
    storageDir: get('GUREUM_STORAGE_DIR') ?? '/var/lib/gureum/storage',
    poolPrefix: poolPrefix(get('GUREUM_POOL_PREFIX') ?? 'gureum'),
    adminPassword: get('GUREUM_ADMIN_PASSWORD') ?? null,
    domainType,
    logLevel: get('GUREUM_LOG_LEVEL') ?? 'info',
    maxImageBytes: int(
      get('GUREUM_MAX_IMAGE_BYTES') ?? String(64 * 1024 ** 3),
      'GUREUM_MAX_IMAGE_BYTES',
      1,
      Number.MAX_SAFE_INTEGER,
    ),
    downloadAllow: get('GUREUM_DOWNLOAD_ALLOW') ?? '',
    faults: get('GUREUM_FAULTS') ?? '',
    stopTimeoutMs: int(get('GUREUM_STOP_TIMEOUT_MS') ?? '60000', 'GUREUM_STOP_TIMEOUT_MS', 100, 3_600_000),
    eventRetention: int(
      get('GUREUM_EVENT_RETENTION') ?? '100000',
      'GUREUM_EVENT_RETENTION',
      100,
      100_000_000,
    ),
    webDir: existsSync(join(webDir, 'index.html')) ? webDir : null,
    loginRateLimit: {
      perUsername: int(
        get('GUREUM_LOGIN_MAX_FAILURES_PER_USER') ?? '5',
        'GUREUM_LOGIN_MAX_FAILURES_PER_USER',
        1,
        1_000_000,
      ),
      perAddress: int(
        get('GUREUM_LOGIN_MAX_FAILURES_PER_ADDRESS') ?? '20',
        'GUREUM_LOGIN_MAX_FAILURES_PER_ADDRESS',
        1,
        1_000_000,
      ),
      windowMs: int(
        get('GUREUM_LOGIN_FAILURE_WINDOW_MS') ?? String(15 * 60 * 1000),
        'GUREUM_LOGIN_FAILURE_WINDOW_MS',
        1000,
        7 * 24 * 3600 * 1000,
      ),
    },
  };
}
