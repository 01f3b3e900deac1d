import { constants, existsSync, readFileSync } from 'node:fs';
import { access, mkdir, statfs } from 'node:fs/promises';
import { LibvirtClient, isLibvirtError } from '@gureum/libvirt';
import type { Config } from '../config/config.js';
import { accelerationCheck, diskSpaceCheck, type CheckResult } from './checks.js';

function versionText(encoded: bigint): string {
  const n = Number(encoded);
  return `${Math.floor(n / 1_000_000)}.${Math.floor(n / 1000) % 1000}.${n % 1000}`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function libvirtChecks(config: Config): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  let client: LibvirtClient;
  try {
    client = await LibvirtClient.connect(config.libvirtUri, { autoReconnect: false, connectTimeoutMs: 5000 });
  } catch (err: unknown) {
    return [
      {
        name: 'libvirt',
        status: 'fail',
        detail: `cannot reach ${config.libvirtUri}: ${errorText(err)}`,
        fix: 'Run scripts/setup-host.sh as root (it installs and starts libvirtd and virtlogd), then try again.',
      },
    ];
  }
  try {
    const [lib, hv, host] = await Promise.all([
      client.connectGetLibVersion(),
      client.connectGetVersion(),
      client.connectGetHostname(),
    ]);
    const libVersion = versionText(lib);
    const tooOld = Number(lib) < 8_000_000;
    out.push({
      name: 'libvirt',
      status: tooOld ? 'warn' : 'ok',
      detail: `libvirt ${libVersion}, QEMU ${versionText(hv)} on ${host} (${config.libvirtUri})`,
      ...(tooOld ? { fix: 'libvirt 8.0 or newer is recommended.' } : {}),
    });
    const caps = await client.connectGetCapabilities();
    if (!caps.includes(`type='${config.domainType}'`)) {
      out.push({
        name: 'domain type',
        status: 'fail',
        detail: `libvirt offers no '${config.domainType}' domains`,
        fix: 'Install qemu-system-x86 (scripts/setup-host.sh does) and restart libvirtd.',
      });
    }
  } catch (err: unknown) {
    out.push({
      name: 'libvirt',
      status: 'fail',
      detail: isLibvirtError(err) ? err.message : errorText(err),
      fix: 'See /var/log/libvirt/libvirtd.log.',
    });
  } finally {
    await client.close();
  }
  const virtlogd = existsSync('/run/libvirt/virtlogd-sock') || existsSync('/var/run/libvirt/virtlogd-sock');
  if (config.libvirtUri.startsWith('qemu:///')) {
    out.push(
      virtlogd
        ? { name: 'virtlogd', status: 'ok', detail: 'running (VM consoles and logs)' }
        : {
            name: 'virtlogd',
            status: 'fail',
            detail: 'not running: VMs cannot start',
            fix: 'Run scripts/setup-host.sh (it starts virtlogd).',
          },
    );
  }
  return out;
}

async function directoryCheck(name: string, dir: string): Promise<CheckResult[]> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
    const fs = await statfs(dir);
    return [
      { name, status: 'ok', detail: `${dir} is writable` },
      diskSpaceCheck(`${name} space`, dir, fs.bavail * fs.bsize),
    ];
  } catch (err: unknown) {
    return [
      {
        name,
        status: 'fail',
        detail: `${dir}: ${errorText(err)}`,
        fix: `Create ${dir} and make it writable for the user running Gureum.`,
      },
    ];
  }
}

function hostEnvReason(): string | null {
  try {
    const m = /GUREUM_KVM_UNUSABLE_REASON=(.*)/.exec(readFileSync('/var/lib/gureum/host.env', 'utf8'));
    return m?.[1] ? m[1].replace(/\\ /g, ' ').replace(/^\$?'|'$/g, '') : null;
  } catch {
    return null;
  }
}

/** Runs every preflight check: libvirt, acceleration, storage and data directories, and their free space. */
export async function runDoctor(config: Config): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(...(await libvirtChecks(config)));
  results.push(accelerationCheck(config.domainType, existsSync('/dev/kvm'), hostEnvReason()));
  results.push(...(await directoryCheck('storage dir', config.storageDir)));
  results.push(...(await directoryCheck('data dir', config.dataDir)));
  results.push(
    config.databaseUrl
      ? {
          name: 'database',
          status: 'ok',
          detail: `PostgreSQL at ${config.databaseUrl.replace(/\/\/[^@]*@/, '//…@')}`,
        }
      : { name: 'database', status: 'ok', detail: `embedded SQLite in ${config.dataDir}` },
  );
  return results;
}
