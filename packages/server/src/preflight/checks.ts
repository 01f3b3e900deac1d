/** A preflight finding: what was checked, how it went, and what to do about it. */
export interface CheckResult {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  /** What the operator should do; present for warn and fail. */
  fix?: string;
}

const GiB = 1024 ** 3;

/** Free-space verdict for a directory Gureum writes VM disks or images into. */
export function diskSpaceCheck(name: string, path: string, freeBytes: number): CheckResult {
  const free = `${(freeBytes / GiB).toFixed(1)} GiB free in ${path}`;
  if (freeBytes < 1 * GiB)
    return {
      name,
      status: 'fail',
      detail: free,
      fix: `Free space in ${path} or point GUREUM_STORAGE_DIR elsewhere.`,
    };
  if (freeBytes < 10 * GiB)
    return {
      name,
      status: 'warn',
      detail: free,
      fix: 'VM disks and images need room to grow; consider a larger volume.',
    };
  return { name, status: 'ok', detail: free };
}

/** KVM vs TCG, from the set-up script's probe and the device node. */
export function accelerationCheck(
  domainType: 'kvm' | 'qemu',
  devKvm: boolean,
  reason: string | null,
): CheckResult {
  if (domainType === 'kvm')
    return { name: 'acceleration', status: 'ok', detail: 'KVM (hardware virtualization)' };
  return {
    name: 'acceleration',
    status: 'warn',
    detail: `TCG software emulation (domain type qemu)${reason ? `: ${reason}` : devKvm ? '' : ': no /dev/kvm'}`,
    fix: 'Guests work but run several times slower. Enable VT-x/AMD-V (or nested virtualization) and re-run scripts/setup-host.sh after deleting /var/lib/gureum/host.env.',
  };
}

/** Renders the report as aligned text; returns the exit code (1 when anything failed). */
export function renderReport(results: CheckResult[], colour: boolean): { text: string; exitCode: number } {
  const mark = {
    ok: colour ? '\x1b[32m✓\x1b[0m' : 'ok  ',
    warn: colour ? '\x1b[33m!\x1b[0m' : 'WARN',
    fail: colour ? '\x1b[31m✗\x1b[0m' : 'FAIL',
  };
  const width = Math.max(...results.map((r) => r.name.length));
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${mark[r.status]} ${r.name.padEnd(width)}  ${r.detail}`);
    if (r.fix) lines.push(`  ${' '.repeat(width)}  → ${r.fix}`);
  }
  const failed = results.filter((r) => r.status === 'fail').length;
  const warned = results.filter((r) => r.status === 'warn').length;
  lines.push(
    '',
    failed
      ? `${failed} problem(s) must be fixed before Gureum can run VMs.`
      : warned
        ? `Ready, with ${warned} warning(s).`
        : 'Ready.',
  );
  return { text: lines.join('\n'), exitCode: failed ? 1 : 0 };
}
