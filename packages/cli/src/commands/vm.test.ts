import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { InStream } from '../lib/io.js';
import { problem } from '../test/fake-api.js';
import { useFakeGureum } from '../test/setup.js';
import { image, paging, T0 } from '../test/world.js';

const t = useFakeGureum();
const GiB = 2 ** 30;

/** A stdin that claims to be a terminal and answers a prompt. */
function ttyStdin(answer: string): InStream {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  setTimeout(() => stream.write(answer), 20);
  return stream;
}

describe('vm list', () => {
  it('prints an aligned table of every page', async () => {
    paging.cap = 2;
    for (const name of ['web-1', 'web-2', 'db-1', 'db-2', 'cache'])
      t.world.addVm({ name, memoryBytes: 2 * GiB });
    t.world.addVm({ name: 'big', state: 'running', vcpus: 16, memoryBytes: 64 * GiB, ownerId: 'usr_bob' });
    const r = await t.run(['vm', 'list']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATE\s+VCPUS\s+MEMORY\s+IP\s+OWNER\s+CREATED$/);
    expect(lines).toHaveLength(7);
    expect(lines[6]).toMatch(/^big\s+running\s+16\s+64 GiB\s+-\s+usr_bob\s+/);
    expect(t.api.calls('listVms').map((c) => c.query.get('cursor'))).toEqual([null, '2', '4']);
  });

  it('passes the filters and prints the whole list as one JSON document with --json', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    t.world.addVm({ name: 'web-2' });
    const r = await t.run(['vm', 'list', '--state', 'running', '-q', 'web', '--tag', 'prod', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { items: { name: string }[]; nextCursor: null };
    expect(doc.items.map((v) => v.name)).toEqual(['web-1']);
    expect(doc.nextCursor).toBeNull();
    expect(Object.fromEntries(t.api.calls('listVms')[0]?.query ?? [])).toMatchObject({
      state: 'running',
      q: 'web',
      tag: 'prod',
    });
  });

  it('colours states on a terminal unless NO_COLOR is set', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    expect((await t.run(['vm', 'list'], { ttyOut: true })).stdout).toContain('\x1b[32mrunning\x1b[39m');
    expect((await t.run(['vm', 'list'], { ttyOut: true, env: { NO_COLOR: '1' } })).stdout).not.toContain(
      '\x1b[',
    );
    expect((await t.run(['vm', 'list'])).stdout).not.toContain('\x1b[');
  });

  it('says so on stderr when there are none', async () => {
    const r = await t.run(['vm', 'list']);
    expect(r).toMatchObject({ code: 0, stdout: '', stderr: 'No VMs.\n' });
  });
});

describe('vm show', () => {
  it('prints the VM', async () => {
    const vm = t.world.addVm({ name: 'web-1', tags: ['prod'], memoryBytes: 2 * GiB });
    const r = await t.run(['vm', 'show', 'web-1']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ID:            ${vm.id}`);
    expect(r.stdout).toMatch(/Memory:\s+2 GiB/);
    expect(r.stdout).toMatch(/Tags:\s+prod/);
  });

  it('prints the problem of a 404 and exits 1', async () => {
    const r = await t.run(['vm', 'show', 'web-9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: VM not found — No VM you may see has the id or name "web-9". [VM_NOT_FOUND]\nrequestId: req-42\n',
    );
    const json = await t.run(['vm', 'show', 'web-9', '--json']);
    expect(JSON.parse(json.stderr)).toMatchObject({ code: 'VM_NOT_FOUND', status: 404, requestId: 'req-42' });
    expect(json.stdout).toBe('');
  });
});

describe('vm create', () => {
  it('sends sizes in bytes, waits for the task and prints the final state', async () => {
    const img = image({ name: 'debian-12' });
    t.world.images.set(img.id, img);
    const r = await t.run([
      'vm',
      'create',
      'web-1',
      '--image',
      'debian-12',
      '--vcpus',
      '2',
      '--memory',
      '1.5G',
      '--tag',
      'a',
      '--tag',
      'b',
      '--start',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('Created vm web-1: running\n');
    expect(t.api.calls('createVm')[0]?.json).toEqual({
      name: 'web-1',
      vcpus: 2,
      memoryBytes: 1.5 * GiB,
      source: { imageId: img.id },
      tags: ['a', 'b'],
      start: true,
    });
    expect(t.api.calls('getTask').every((c) => c.query.get('wait') === 'true')).toBe(true);
  });

  it('installs from an ISO onto a blank disk', async () => {
    const iso = image({ name: 'alpine', kind: 'iso' });
    t.world.images.set(iso.id, iso);
    expect((await t.run(['vm', 'create', 'inst', '--image', iso.id, '--disk', '20G'])).code).toBe(0);
    expect(t.api.calls('createVm')[0]?.json).toMatchObject({
      source: { blank: { sizeBytes: 20 * GiB }, isoImageId: iso.id },
      memoryBytes: GiB,
      vcpus: 1,
    });
  });

  it('creates for another user with --owner (id or username), which the body names by id', async () => {
    const img = image({ name: 'debian-12' });
    t.world.images.set(img.id, img);
    const alice = { id: 'usr_alice', username: 'alice', role: 'member' as const, createdAt: T0 };
    t.world.users.set(alice.id, alice);
    expect((await t.run(['vm', 'create', 'for-alice', '--image', img.id, '--owner', 'alice'])).code).toBe(0);
    expect((await t.run(['vm', 'create', 'by-id', '--image', img.id, '--owner', alice.id])).code).toBe(0);
    expect(t.api.calls('createVm').map((c) => c.json)).toEqual([
      expect.objectContaining({ name: 'for-alice', ownerId: alice.id }),
      expect.objectContaining({ name: 'by-id', ownerId: alice.id }),
    ]);
    expect(t.world.vms.size).toBe(2);
    expect([...t.world.vms.values()].every((v) => v.ownerId === alice.id)).toBe(true);
  });

  it('names an owner that does not exist and creates nothing', async () => {
    const img = image({ name: 'debian-12' });
    t.world.images.set(img.id, img);
    const r = await t.run(['vm', 'create', 'web-1', '--image', img.id, '--owner', 'nobody']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'error: User not found — no user has the id or username "nobody" [USER_NOT_FOUND]\n',
    });
    expect(t.api.calls('createVm')).toHaveLength(0);
  });

  it('returns at once with --no-wait', async () => {
    t.world.images.set('img_x', image({ id: 'img_x' }));
    const r = await t.run(['vm', 'create', 'web-1', '--image', 'img_x', '--no-wait']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Task tsk_\d+ \(vm\.create\) queued; follow it with `gureum task wait tsk_\d+`\.\n$/,
    );
    expect(t.api.calls('getTask')).toHaveLength(0);
  });

  it('reports a failed task with its problem', async () => {
    t.world.images.set('img_x', image({ id: 'img_x' }));
    t.world.failNext = problem('QUOTA_EXCEEDED', 'you may have 2 VMs').body;
    const r = await t.run(['vm', 'create', 'web-1', '--image', 'img_x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Quota exceeded — you may have 2 VMs \[QUOTA_EXCEEDED\]/);
  });

  it('refuses bad input before calling the server', async () => {
    for (const argv of [
      ['vm', 'create', 'web-1'],
      ['vm', 'create', '--image', 'x'],
      ['vm', 'create', 'web-1', '--image', 'x', '--memory', 'lots'],
      ['vm', 'create', 'web-1', '--image', 'x', 'extra'],
    ]) {
      const r = await t.run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(
        /^error: Invalid usage — .* \[USAGE\]\n\nUsage: gureum vm create NAME \[flags\]/,
      );
    }
    expect(t.api.requests).toHaveLength(0);
  });

  it('sends an image id it cannot see to the server, which judges (a viewer: FORBIDDEN)', async () => {
    const hidden = '0b8a3c52-58a4-4c8e-9f43-2f4a3b1f9e10';
    t.api.on('createVm', () => problem('FORBIDDEN', 'Viewers cannot change anything.'));
    const r = await t.run(['vm', 'create', 'web-1', '--image', hidden]);
    expect(r).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: .+ — Viewers cannot change anything\. \[FORBIDDEN\]\n/),
    });
    expect(t.api.calls('createVm')[0]?.json).toMatchObject({ source: { imageId: hidden } });
  });

  it('names an image that does not exist', async () => {
    const r = await t.run(['vm', 'create', 'web-1', '--image', 'nope']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'error: Image not found — no image has the id or name "nope" [IMAGE_NOT_FOUND]\n',
    });
  });
});

describe('vm actions', () => {
  it('resolve a name to the UUID, send the options and print the final state', async () => {
    const vm = t.world.addVm({ name: 'web-1', state: 'running' });
    const r = await t.run(['vm', 'stop', 'web-1', '--force', '--timeout', '30s']);
    expect(r).toMatchObject({ code: 0, stdout: 'Stopped vm web-1: stopped\n' });
    const call = t.api.calls('stopVm')[0];
    expect(call?.path).toBe(`/api/v1/vms/${vm.id}/actions/stop`);
    expect(call?.json).toEqual({ force: true, timeoutMs: 30_000 });
    expect(t.api.calls('getVm')[0]?.path).toBe('/api/v1/vms/web-1');
  });

  it.each([
    ['start', 'Started', 'running'],
    ['force-stop', 'Powered off', 'stopped'],
    ['pause', 'Paused', 'paused'],
  ])('%s', async (verb, headline, state) => {
    t.world.addVm({ name: 'web-1' });
    expect((await t.run(['vm', verb, 'web-1'])).stdout).toBe(`${headline} vm web-1: ${state}\n`);
  });

  it('print the final VM with --json and the 202 document with --no-wait --json', async () => {
    t.world.addVm({ name: 'web-1' });
    expect(JSON.parse((await t.run(['vm', 'start', 'web-1', '--json'])).stdout)).toMatchObject({
      name: 'web-1',
      state: 'running',
    });
    expect(JSON.parse((await t.run(['vm', 'reboot', 'web-1', '--json', '--no-wait'])).stdout)).toMatchObject({
      task: { kind: 'vm.reboot' },
    });
  });

  it('checks the stop timeout', async () => {
    t.world.addVm({ name: 'web-1' });
    expect((await t.run(['vm', 'stop', 'web-1', '--timeout', '1h'])).code).toBe(2);
  });
});

describe('vm delete', () => {
  it('--dry-run prints the plan and deletes nothing', async () => {
    t.world.addVm({ name: 'web-1' });
    const r = await t.run(['vm', 'delete', 'web-1', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^Would delete:\nKIND\s+ID\s+NAME\nvm\s+\S+\s+web-1\nvolume\s+vol_1\s+web-1-disk0\n$/,
    );
    expect(t.world.findVm('web-1')).toBeDefined();
    expect(t.api.calls('deleteVm')[0]?.query.get('dryRun')).toBe('true');
  });

  it('refuses without --yes when there is no terminal', async () => {
    t.world.addVm({ name: 'web-1' });
    const r = await t.run(['vm', 'delete', 'web-1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^error: Confirmation required — not deleting vm "web-1": .*--yes.* \[CONFIRMATION_REQUIRED\]/,
    );
    expect(t.api.calls('deleteVm')).toHaveLength(0);
  });

  it('asks on a terminal, and deletes only after yes', async () => {
    t.world.addVm({ name: 'web-1' });
    const no = await t.run(['vm', 'delete', 'web-1'], { stdinStream: ttyStdin('n\n'), ttyErr: true });
    expect(no.code).toBe(1);
    expect(no.stderr).toContain('Delete vm web-1 and everything listed above? [y/N] ');
    expect(t.world.findVm('web-1')).toBeDefined();
    const yes = await t.run(['vm', 'delete', 'web-1'], { stdinStream: ttyStdin('y\n'), ttyErr: true });
    expect(yes).toMatchObject({ code: 0, stdout: expect.stringContaining('Deleted vm web-1.') });
    expect(t.world.findVm('web-1')).toBeUndefined();
  });

  it('deletes with --yes', async () => {
    t.world.addVm({ name: 'web-1' });
    expect((await t.run(['vm', 'delete', 'web-1', '--yes'])).stdout).toBe('Deleted vm web-1.\n');
    expect(t.world.findVm('web-1')).toBeUndefined();
  });
});

describe('vm update', () => {
  it('sends only what changes', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    const r = await t.run([
      'vm',
      'update',
      'web-1',
      '--memory',
      '2G',
      '--tag',
      'x',
      '--description',
      'front',
    ]);
    expect(r).toMatchObject({
      code: 0,
      stdout: 'Updated vm web-1.\n',
      stderr: 'The vCPU and memory changes apply at the next boot.\n',
    });
    expect(t.api.calls('updateVm')[0]?.json).toEqual({
      memoryBytes: 2 * GiB,
      tags: ['x'],
      description: 'front',
    });
    await t.run(['vm', 'update', 'web-1', '--clear-tags']);
    expect(t.api.calls('updateVm')[1]?.json).toEqual({ tags: [] });
  });

  it('is a usage error with nothing to change', async () => {
    expect((await t.run(['vm', 'update', 'web-1'])).code).toBe(2);
  });
});
