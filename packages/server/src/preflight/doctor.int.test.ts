import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { runDoctor } from './doctor.js';

describe('doctor (real libvirtd)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  async function configWith(env: Record<string, string>): Promise<ReturnType<typeof loadConfig>> {
    const dir = await mkdtemp(join(tmpdir(), 'gureum-doctor-'));
    dirs.push(dir);
    return loadConfig({
      GUREUM_DATA_DIR: join(dir, 'data'),
      GUREUM_STORAGE_DIR: join(dir, 'storage'),
      ...env,
    });
  }

  it('reports the local libvirt version and writable directories', async () => {
    const results = await runDoctor(await configWith({}));
    expect(results.find((r) => r.name === 'libvirt')).toMatchObject({
      status: 'ok',
      detail: expect.stringMatching(/^libvirt \d+\.\d+\.\d+/),
    });
    expect(results.find((r) => r.name === 'storage dir')?.status).toBe('ok');
    expect(results.some((r) => r.status === 'fail')).toBe(false);
  });

  it('fails with a fix when libvirt cannot be reached', async () => {
    const results = await runDoctor(
      await configWith({ GUREUM_LIBVIRT_URI: 'qemu+unix:///system?socket=/nonexistent/sock' }),
    );
    expect(results.find((r) => r.name === 'libvirt')).toMatchObject({
      status: 'fail',
      fix: expect.stringMatching(/setup-host/),
    });
  });
});
