import { describe, expect, it } from 'vitest';
import { accelerationCheck, diskSpaceCheck, renderReport } from './checks.js';

const GiB = 1024 ** 3;

describe('preflight checks', () => {
  it('grades free space: fail under 1 GiB, warn under 10 GiB', () => {
    expect(diskSpaceCheck('s', '/x', 0.5 * GiB).status).toBe('fail');
    expect(diskSpaceCheck('s', '/x', 5 * GiB).status).toBe('warn');
    expect(diskSpaceCheck('s', '/x', 50 * GiB)).toMatchObject({
      status: 'ok',
      detail: '50.0 GiB free in /x',
    });
  });

  it('says what TCG costs and how to fix it', () => {
    expect(accelerationCheck('kvm', true, null).status).toBe('ok');
    const tcg = accelerationCheck('qemu', false, null);
    expect(tcg).toMatchObject({ status: 'warn', detail: expect.stringContaining('no /dev/kvm') });
    expect(tcg.fix).toMatch(/setup-host\.sh/);
  });

  it('exits 1 only when something failed, and prints a fix under each problem', () => {
    const failing = renderReport(
      [
        { name: 'libvirt', status: 'fail', detail: 'down', fix: 'start it' },
        { name: 'disk', status: 'ok', detail: 'fine' },
      ],
      false,
    );
    expect(failing.exitCode).toBe(1);
    expect(failing.text).toMatch(/FAIL libvirt\s+down\n\s+→ start it/);
    expect(renderReport([{ name: 'a', status: 'warn', detail: 'meh', fix: 'x' }], false)).toMatchObject({
      exitCode: 0,
    });
  });
});
