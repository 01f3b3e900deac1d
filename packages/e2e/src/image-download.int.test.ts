// End to end: the server downloads the test installer ISO from a file server on 127.0.0.1 (allowed by the operator
// with GUREUM_DOWNLOAD_ALLOW), through the gureum CLI's client, into a managed pool of a real libvirtd; a blank VM is
// created with it; a download the policy refuses changes nothing; and kill -9 during a download leaves a failed
// image, no file and no running task after the restart.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isApiError } from '@gureum/client';
import { ensureTestGuests } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { done, startGureum, type GureumServer } from './harness.js';
import { poolVolumes } from './observe.js';

const MiB = 1024 * 1024;

let g: GureumServer | undefined;
let files: Server;
let base: string;
let iso: string;
const stalled: ServerResponse[] = [];

beforeAll(async () => {
  iso = (await ensureTestGuests()).installIso;
  files = createServer((req, res) => {
    if (req.url === '/install.iso') {
      res.writeHead(200, { 'content-length': statSync(iso).size });
      createReadStream(iso).pipe(res);
    } else if (req.url === '/stalls.iso') {
      res.writeHead(200, { 'content-length': 64 * MiB });
      res.write(Buffer.alloc(MiB));
      stalled.push(res);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
  g = await startGureum({ dialect: 'sqlite', env: { GUREUM_DOWNLOAD_ALLOW: '127.0.0.1' } });
});

afterAll(async () => {
  for (const res of stalled) res.destroy();
  await g?.dispose();
  await new Promise((resolve) => files.close(resolve));
});

function server(): GureumServer {
  if (!g) throw new Error('no server');
  return g;
}

describe('image download from a URL (real libvirtd)', () => {
  it('downloads the installer ISO with its SHA-256, and a blank VM installs from it', async () => {
    const { client, pools } = server();
    const sha256 = createHash('sha256').update(readFileSync(iso)).digest('hex');
    const image = await client.createImage({
      name: server().name('iso'),
      kind: 'iso',
      source: { url: `${base}/install.iso`, sha256 },
    });
    expect(image.status).toBe('uploading');
    const [task] = (await client.listTasks({ resource: image.id, kind: 'image.import' })).items;
    if (!task) throw new Error('no import task');
    const ended = await client.waitForTask(task.id, { timeoutMs: 60_000 });
    expect(ended.status).toBe('succeeded');
    const ready = await client.getImage({ id: image.id });
    expect(ready).toMatchObject({ status: 'ready', format: 'iso', sha256, sizeBytes: statSync(iso).size });
    expect(await poolVolumes(pools.images)).toContain(`image-${image.id}.img`);

    const vm = done(
      await client.createVm(
        {
          name: server().name('inst'),
          vcpus: 1,
          memoryBytes: 128 * MiB,
          source: { blank: { sizeBytes: 64 * MiB }, isoImageId: image.id },
        },
        { wait: true, timeoutMs: 60_000 },
      ),
    );
    expect(vm.media).toEqual({ imageId: image.id, name: image.name });
    await client.deleteVm({ idOrName: vm.id }, { wait: true, timeoutMs: 60_000 });
    await client.deleteImage({ id: image.id });
  });

  it('kill -9 during a download: after the restart the image is failed, its file gone, no task running', async () => {
    const s = server();
    const image = await s.client.createImage({
      name: s.name('stall'),
      kind: 'iso',
      source: { url: `${base}/stalls.iso` },
    });
    await expect.poll(() => stalled.length, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await poolVolumes(s.pools.images))?.includes(`image-${image.id}.img`), {
        timeout: 10_000,
      })
      .toBe(true);
    await s.kill('SIGKILL');
    await s.restart();
    const [task] = (await s.client.listTasks({ resource: image.id })).items;
    expect(task).toMatchObject({ kind: 'image.import', status: 'failed' });
    expect(task?.error?.code).toBe('TASK_INTERRUPTED');
    expect((await s.client.listTasks({ status: 'running' })).items).toEqual([]);
    const after = await s.client.getImage({ id: image.id });
    expect(after.status).toBe('failed');
    expect(await poolVolumes(s.pools.images)).not.toContain(`image-${image.id}.img`);
    await s.client.deleteImage({ id: image.id });
    const err: unknown = await s.client.getImage({ id: image.id }).catch((e: unknown) => e);
    expect(isApiError(err, 'IMAGE_NOT_FOUND')).toBe(true);
  });
});
