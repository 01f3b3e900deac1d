import { createHash, type Hash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { GureumClient } from '@gureum/client';
import { ImageKind, ImageStatus, type Image, type ImageKind as Kind } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { CliError } from '../lib/errors.js';
import { ensureSucceeded, followTask } from '../lib/follow.js';
import { colorState, defined, orDash } from '../lib/format.js';
import { allPages, findImage } from '../lib/lookup.js';
import { RateMeter, renderTransfer } from '../lib/progress.js';
import { renderFields, renderTable } from '../lib/table.js';
import { formatAge, formatSize } from '../lib/units.js';
import { printPlan } from './vm.js';

export const IMAGE_KINDS = ImageKind.enum;
export const IMAGE_STATUSES = ImageStatus.enum;

/** Bytes read from the file per chunk of the upload stream. */
const CHUNK_BYTES = 256 * 1024;

/** `--kind`, or guessed from the name: `.iso` → iso, anything else → disk. */
function kindOf(input: Input, name: string): Kind {
  return input.choice('kind', IMAGE_KINDS) ?? (name.toLowerCase().endsWith('.iso') ? 'iso' : 'disk');
}

/** Reads a file chunk by chunk, feeding every byte it hands out to `hash` (the local digest of what was sent). */
async function* readHashed(path: string, size: number, hash: Hash): AsyncGenerator<Uint8Array> {
  const file = await open(path, 'r');
  let total = 0;
  try {
    for (;;) {
      const buffer = Buffer.allocUnsafe(CHUNK_BYTES); // a new one each time: fetch may still hold the last
      const { bytesRead } = await file.read(buffer, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      hash.update(chunk);
      total += bytesRead;
      yield chunk;
    }
  } finally {
    await file.close();
  }
  if (total !== size)
    throw new CliError(
      'File changed',
      `${path} was ${size} bytes and is now ${total}: it changed during the upload`,
      'FILE_CHANGED',
    );
}

async function fileSize(path: string): Promise<number> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new CliError('Not a file', `${path} is not a regular file`, 'FILE_INVALID');
    return s.size;
  } catch (err: unknown) {
    if (err instanceof CliError) throw err;
    throw new CliError('Cannot read file', `cannot read ${path}`, 'FILE_UNREADABLE', 1, { cause: err });
  }
}

/** Removes an image whose upload failed, so that its name can be used again. Best effort. */
async function discard(ctx: Context, client: GureumClient, image: Image): Promise<void> {
  try {
    await client.deleteImage({ id: image.id });
    ctx.note(`Removed the incomplete image ${image.name} (${image.id}).`);
  } catch {
    ctx.note(
      `The incomplete image ${image.name} (${image.id}) is left; delete it with \`gureum image delete ${image.id}\`.`,
    );
  }
}

async function upload(
  ctx: Context,
  client: GureumClient,
  image: Image,
  path: string,
  size: number,
  sha256?: string,
) {
  const hash = createHash('sha256');
  const line = ctx.progress();
  const meter = new RateMeter();
  const started = Date.now();
  try {
    const uploaded = await client.uploadImageContent(
      { id: image.id, ...defined({ sha256 }) },
      readHashed(path, size, hash),
      {
        size,
        signal: ctx.signal,
        onProgress: ({ loadedBytes, totalBytes }) => {
          meter.add(Date.now(), loadedBytes);
          const rate = meter.rate();
          const state = { loadedBytes, totalBytes, elapsedMs: Date.now() - started };
          line?.update(renderTransfer(rate === undefined ? state : { ...state, bytesPerSecond: rate }));
        },
      },
    );
    line?.done(
      renderTransfer({ loadedBytes: size, totalBytes: size, elapsedMs: Date.now() - started, done: true }),
    );
    return { uploaded, localSha256: hash.digest('hex') };
  } catch (err: unknown) {
    line?.clear();
    await discard(ctx, client, image);
    throw err;
  }
}

export async function uploadImage(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const path = input.arg('FILE');
  const size = await fileSize(path);
  const name = input.string('name') ?? '';
  const image = await client.createImage(
    { name, kind: kindOf(input, basename(path)) },
    { signal: ctx.signal },
  );
  const { uploaded, localSha256 } = await upload(ctx, client, image, path, size, input.string('sha256'));
  if (uploaded.status === 'failed')
    throw new CliError(
      'Upload failed',
      `image ${uploaded.name}: ${uploaded.failureReason ?? 'the server rejected the content'}`,
      'IMAGE_UPLOAD_FAILED',
    );
  if (uploaded.sha256 !== undefined && uploaded.sha256 !== localSha256)
    throw new CliError(
      'Checksum mismatch',
      `the server computed sha256 ${uploaded.sha256} but the file read here hashes to ${localSha256}`,
      'CHECKSUM_MISMATCH',
    );
  if (ctx.json) {
    ctx.printJson(uploaded);
    return undefined;
  }
  ctx.print(
    `Uploaded ${uploaded.kind} image ${uploaded.name} (${uploaded.id}): ${formatSize(size)}, ${colorState(uploaded.status, ctx.color)}`,
  );
  ctx.print(
    uploaded.sha256 === undefined
      ? `sha256 ${localSha256} (local; the server did not report one)`
      : `sha256 ${uploaded.sha256} (matches the local file)`,
  );
  return undefined;
}

export async function downloadImage(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const url = input.arg('URL');
  const name = input.string('name') ?? '';
  const source = { url, ...defined({ sha256: input.string('sha256') }) };
  const image = await client.createImage(
    { name, kind: kindOf(input, new URL(url, 'http://x').pathname), source },
    { signal: ctx.signal },
  );
  // POST /images answers with the image, not the task: find the import task by its resource.
  const { items } = await client.listTasks(
    { resource: image.id, kind: 'image.import', limit: 1 },
    { signal: ctx.signal },
  );
  const task = items[0];
  if (input.has('no-wait') || task === undefined) {
    if (ctx.json) ctx.printJson(image);
    else
      ctx.print(
        `Image ${image.name} (${image.id}) ${image.status}${task ? `; follow it with \`gureum task wait ${task.id}\`` : ''}.`,
      );
    return undefined;
  }
  ensureSucceeded(await followTask(ctx, task));
  const done = await client.getImage({ id: image.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(done);
  else {
    const size = done.sizeBytes === undefined ? '' : `: ${formatSize(done.sizeBytes)}`;
    ctx.print(
      `Downloaded ${done.kind} image ${done.name} (${done.id})${size}, ${colorState(done.status, ctx.color)}`,
    );
    if (done.sha256) ctx.print(`sha256 ${done.sha256}`);
  }
  return undefined;
}

export async function listImages(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const filter = defined({
    kind: input.choice('kind', IMAGE_KINDS),
    status: input.choice('status', IMAGE_STATUSES),
  });
  const list = await allPages((page) => client.listImages({ ...filter, ...page }, { signal: ctx.signal }));
  if (ctx.json) ctx.printJson(list);
  else if (list.items.length === 0) ctx.note('No images.');
  else
    ctx.print(
      renderTable(
        [
          { header: 'NAME', value: (i) => i.name },
          { header: 'KIND', value: (i) => i.kind },
          { header: 'FORMAT', value: (i) => orDash(i.format) },
          { header: 'STATUS', value: (i) => colorState(i.status, ctx.color) },
          {
            header: 'SIZE',
            value: (i) => (i.sizeBytes === undefined ? '-' : formatSize(i.sizeBytes)),
            align: 'right',
          },
          { header: 'CREATED', value: (i) => formatAge(i.createdAt) },
          { header: 'ID', value: (i) => i.id },
        ],
        list.items,
      ),
    );
  return undefined;
}

export async function showImage(ctx: Context, input: Input): Promise<CommandResult> {
  const image = await findImage(ctx.client(), input.arg('ID|NAME'), ctx.signal);
  if (ctx.json) {
    ctx.printJson(image);
    return undefined;
  }
  const size = (n: number | undefined): string | undefined => (n === undefined ? undefined : formatSize(n));
  ctx.print(
    renderFields([
      ['Name', image.name],
      ['ID', image.id],
      ['Kind', image.kind],
      ['Format', image.format],
      ['Status', colorState(image.status, ctx.color)],
      ['Failure', image.failureReason],
      ['Size', size(image.sizeBytes)],
      ['Virtual size', size(image.virtualSizeBytes)],
      ['sha256', image.sha256],
      ['Source', image.source?.url],
      ['Owner', image.ownerId],
      ['Created', `${image.createdAt} (${formatAge(image.createdAt)})`],
    ]),
  );
  return undefined;
}

export async function deleteImage(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const image = await findImage(client, input.arg('ID|NAME'), ctx.signal);
  if (input.has('dry-run')) {
    const plan = await client.deleteImage({ id: image.id }, { dryRun: true, signal: ctx.signal });
    if (ctx.json) ctx.printJson(plan);
    else printPlan(ctx, plan);
    return undefined;
  }
  await client.deleteImage({ id: image.id }, { signal: ctx.signal });
  // 204: the API answers no document, so --json prints none either.
  if (!ctx.json) ctx.print(`Deleted image ${image.name} (${image.id}).`);
  return undefined;
}
