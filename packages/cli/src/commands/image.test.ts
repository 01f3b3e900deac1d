import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sha256 } from '../test/fake-api.js';
import { tempHome } from '../test/run.js';
import { useFakeGureum } from '../test/setup.js';
import { image } from '../test/world.js';

const t = useFakeGureum();

function tempFile(name: string, bytes: Buffer): string {
  const path = join(tempHome(), name);
  writeFileSync(path, bytes);
  return path;
}

describe('image upload', () => {
  it('creates the image, streams the file and checks the sha256 the server computed', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const file = tempFile('disk.qcow2', bytes);
    const r = await t.run(['image', 'upload', file, '--name', 'debian-12', '--progress', 'always']);
    expect(r.code).toBe(0);
    const [img] = [...t.world.images.values()];
    expect(t.world.uploads.get(img?.id ?? '')?.equals(bytes)).toBe(true);
    expect(t.api.calls('createImage')[0]?.json).toEqual({ name: 'debian-12', kind: 'disk' });
    const upload = t.api.calls('uploadImageContent')[0];
    expect(upload?.headers['content-length']).toBe(String(bytes.length));
    expect(upload?.headers['content-type']).toBe('application/octet-stream');
    expect(r.stdout).toBe(
      `Uploaded disk image debian-12 (${img?.id ?? ''}): 3 MiB, ready\nsha256 ${sha256(bytes)} (matches the local file)\n`,
    );
    expect(r.stderr).toMatch(/\[=+\] {2}100% {2}3 MiB \/ 3 MiB {2}.*in /);
  });

  it('guesses iso from the file name, passes --sha256, and prints the image with --json', async () => {
    const bytes = Buffer.from('ISO!');
    const file = tempFile('alpine.iso', bytes);
    const r = await t.run(['image', 'upload', file, '--name', 'alpine', '--sha256', sha256(bytes), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'alpine',
      kind: 'iso',
      status: 'ready',
      sha256: sha256(bytes),
    });
    expect(t.api.calls('uploadImageContent')[0]?.query.get('sha256')).toBe(sha256(bytes));
    expect(r.stderr).toBe(''); // no terminal, no progress
  });

  it('fails when the server hashed other bytes than were read, and removes a failed upload', async () => {
    t.api.on('uploadImageContent', (_req, p) => ({
      status: 200,
      body: { ...image({ id: p['id'] ?? '' }), sha256: 'f'.repeat(64) },
    }));
    const file = tempFile('x.raw', Buffer.from('abc'));
    const r = await t.run(['image', 'upload', file, '--name', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Checksum mismatch — the server computed sha256 f{64} but the file read here hashes to [0-9a-f]{64} \[CHECKSUM_MISMATCH\]/,
    );
  });

  it('deletes the image it created when the upload fails', async () => {
    t.api.on('uploadImageContent', () => ({
      status: 413,
      body: {
        type: 't',
        title: 'Image too large',
        status: 413,
        detail: 'over the limit',
        instance: '/',
        code: 'IMAGE_TOO_LARGE',
        requestId: 'r',
      },
    }));
    const file = tempFile('x.raw', Buffer.from('abc'));
    const r = await t.run(['image', 'upload', file, '--name', 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Removed the incomplete image x');
    expect(r.stderr).toContain('error: Image too large — over the limit [IMAGE_TOO_LARGE]');
    expect(t.world.images.size).toBe(0);
  });

  it('names a file it cannot read, before creating anything', async () => {
    const r = await t.run(['image', 'upload', '/nonexistent/disk.qcow2', '--name', 'x']);
    expect(r).toMatchObject({
      code: 1,
      stderr: 'error: Cannot read file — cannot read /nonexistent/disk.qcow2 [FILE_UNREADABLE]\n',
    });
    expect(t.api.requests).toHaveLength(0);
  });
});

describe('image download', () => {
  it('creates the image with source.url and waits for its import task', async () => {
    const r = await t.run([
      'image',
      'download',
      'https://example.org/alpine.iso',
      '--name',
      'alpine',
      '--sha256',
      'a'.repeat(64),
    ]);
    expect(r.code).toBe(0);
    expect(t.api.calls('createImage')[0]?.json).toEqual({
      name: 'alpine',
      kind: 'iso',
      source: { url: 'https://example.org/alpine.iso', sha256: 'a'.repeat(64) },
    });
    expect(r.stdout).toMatch(/^Downloaded iso image alpine \(img_\d+\): 1 KiB, ready\nsha256 a{64}\n$/);
  });
});

describe('image list, show, delete', () => {
  it('lists, shows by name, and deletes (or plans to)', async () => {
    const img = image({ name: 'debian-12', sizeBytes: 2 ** 30, format: 'qcow2' });
    t.world.images.set(img.id, img);
    expect((await t.run(['image', 'list'])).stdout).toMatch(
      /^NAME\s+KIND\s+FORMAT\s+STATUS\s+SIZE\s+CREATED\s+ID\ndebian-12\s+disk\s+qcow2\s+ready\s+1 GiB\s+/,
    );
    expect((await t.run(['image', 'show', 'debian-12'])).stdout).toMatch(/Format:\s+qcow2/);
    expect((await t.run(['image', 'delete', 'debian-12', '--dry-run'])).stdout).toMatch(
      /Would delete:\nKIND\s+ID\s+NAME\nimage/,
    );
    expect(t.world.images.size).toBe(1);
    expect((await t.run(['image', 'delete', img.id])).stdout).toBe(`Deleted image debian-12 (${img.id}).\n`);
    expect(t.world.images.size).toBe(0);
  });
});
