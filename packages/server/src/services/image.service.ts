import { createHash, randomUUID } from 'node:crypto';
import { AppError, ConflictError, imageNotFound, ValidationError } from '../domain/errors.js';
import { detectImageFormat, FORMAT_PROBE_BYTES, type DetectedFormat } from '../domain/image-format.js';
import type { ImageKind, ImageRecord, TaskRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor, VolumeRef } from '../ports/hypervisor.js';
import type { ImageListFilter, Page, Repositories } from '../ports/repositories.js';
import type { TaskEngine } from '../tasks/index.js';
import { assertCanMutate, assertFound, canSee, ownerFilter, type Actor } from './access.js';
import { openDownload } from './image-download.js';
import { IMPORT_IMAGE, type ImageImportInput } from './image.tasks.js';
import type { Logger } from './logger.js';
import type { UrlPolicy } from './url-policy.js';
import { toImage } from './views.js';

export interface ImageServiceConfig {
  /** The storage pool that holds images. */
  imagesPool: string;
  /** Largest accepted upload. */
  maxImageBytes: number;
}

/** The file of an image inside the images pool: named from its id only. */
export function imageVolumeRef(pool: string, imageId: string): VolumeRef {
  return { pool, name: `image-${imageId}.img` };
}

/** The image library: uploads streamed into managed volumes, format detected from the bytes, sha256 on the fly. */
export class ImageService {
  constructor(
    private readonly deps: {
      repos: Repositories;
      hypervisor: Hypervisor;
      events: EventPublisher;
      clock: Clock;
      logger: Logger;
      config: ImageServiceConfig;
      /** Where downloads may come from; without it (and `tasks`), downloads are refused. */
      policy?: UrlPolicy;
      tasks?: TaskEngine;
      instanceId: string;
    },
  ) {}

  async create(
    actor: Actor,
    input: { name: string; kind: ImageKind; sourceUrl?: string },
  ): Promise<ImageRecord> {
    assertCanMutate(actor);
    const now = this.deps.clock.now().toISOString();
    const image: ImageRecord = {
      id: randomUUID(),
      name: input.name,
      kind: input.kind,
      format: null,
      status: 'uploading',
      sizeBytes: null,
      virtualSizeBytes: null,
      sha256: null,
      volumeId: null,
      ownerId: actor.id,
      sourceUrl: input.sourceUrl ?? null,
      failureReason: null,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.deps.repos.images.insert(image);
    } catch (err: unknown) {
      if (err instanceof Error && err.name === 'UniqueViolation') {
        throw new ConflictError('IMAGE_NAME_TAKEN', `An image named '${input.name}' already exists.`, {
          name: input.name,
        });
      }
      throw err;
    }
    await this.publish(image);
    return image;
  }

  async get(actor: Actor, id: string): Promise<ImageRecord> {
    return assertFound(actor, await this.deps.repos.images.findById(id), () => imageNotFound(id));
  }

  list(actor: Actor, query: Omit<ImageListFilter, 'ownerId'>): Promise<Page<ImageRecord>> {
    const ownerId = ownerFilter(actor);
    return this.deps.repos.images.list({ ...query, ...(ownerId ? { ownerId } : {}) });
  }

  /**
   * Streams an upload into the image's volume. The image becomes `ready` only when every byte arrived, the format
   * matched its kind and the hash was computed; until then it is `uploading` and cannot back a VM.
   */
  async upload(
    actor: Actor,
    id: string,
    source: AsyncIterable<Uint8Array>,
    options: { lengthBytes: number | null; expectedSha256?: string | undefined; signal?: AbortSignal },
  ): Promise<ImageRecord> {
    assertCanMutate(actor);
    const { repos, config, clock } = this.deps;
    const image = await this.get(actor, id);
    if (image.status === 'ready')
      throw new ConflictError('IMAGE_UPLOAD_CONFLICT', 'The image already has its content.');
    if (options.lengthBytes === null) {
      throw new AppError('LENGTH_REQUIRED', 'length_required', 'An upload needs a Content-Length header.');
    }
    if (options.lengthBytes > config.maxImageBytes) {
      throw new AppError(
        'IMAGE_TOO_LARGE',
        'too_large',
        `Images may be at most ${config.maxImageBytes} bytes.`,
        {
          maxBytes: config.maxImageBytes,
        },
      );
    }
    if (options.lengthBytes < 1)
      throw new ValidationError('An image cannot be empty.', [{ path: '/body', message: 'empty' }]);

    const leaseKey = `image:${id}`;
    const holder = `${this.deps.instanceId}:${randomUUID()}`;
    const now = clock.now();
    const acquired = await repos.leases.acquire(
      leaseKey,
      holder,
      new Date(now.getTime() + 60 * 60 * 1000).toISOString(),
      now.toISOString(),
    );
    if (!acquired)
      throw new ConflictError('IMAGE_UPLOAD_CONFLICT', 'Another upload of this image is in progress.');
    try {
      return await this.ingest(image, source, options.lengthBytes, options);
    } catch (err: unknown) {
      await this.removeContent(id);
      const failed = await repos.images.update(id, {
        status: 'uploading',
        failureReason: err instanceof AppError ? err.message : 'The upload did not complete.',
        updatedAt: clock.now().toISOString(),
      });
      if (failed) await this.publish(failed);
      throw err;
    } finally {
      await repos.leases.release(leaseKey, holder);
    }
  }

  /**
   * Accepts an image to download from `url` (checked against the URL policy now, and again at each connection):
   * the image is created `uploading` with its source, and the `image.import` task downloads it. With an expected
   * SHA-256 that a ready image of the same kind the caller can see already has, nothing is created: 409
   * IMAGE_DUPLICATE names that image.
   */
  async createFromUrl(
    actor: Actor,
    input: { name: string; kind: ImageKind; url: string; sha256?: string | undefined },
    meta: { requestId: string },
  ): Promise<{ image: ImageRecord; task: TaskRecord }> {
    assertCanMutate(actor);
    const { policy, tasks } = this.deps;
    if (!policy || !tasks) throw new AppError('INTERNAL', 'internal', 'Image downloads are not configured.');
    const url = policy.checkUrl(input.url);
    await policy.checkHost(url);
    if (input.sha256 !== undefined) {
      const same = await this.deps.repos.images.findReadyBySha256(input.sha256, input.kind);
      if (same && canSee(actor, same.ownerId)) {
        throw new ConflictError(
          'IMAGE_DUPLICATE',
          `The image '${same.name}' has this content already (SHA-256 ${input.sha256}).`,
          { imageId: same.id, name: same.name },
        );
      }
    }
    const image = await this.create(actor, { name: input.name, kind: input.kind, sourceUrl: url.href });
    const taskInput: ImageImportInput = {
      imageId: image.id,
      url: url.href,
      ...(input.sha256 === undefined ? {} : { sha256: input.sha256 }),
    };
    try {
      const task = await tasks.submit(IMPORT_IMAGE, taskInput, {
        actorId: actor.id,
        ownerId: image.ownerId,
        resource: { kind: 'image', id: image.id },
        requestId: meta.requestId,
      });
      return { image, task };
    } catch (err: unknown) {
      await this.deps.repos.images.delete(image.id);
      throw err;
    }
  }

  /**
   * Downloads an image's content from its source into its volume (the `image.import` task's step): ready when every
   * byte arrived, the format matched and the SHA-256 is the expected one; otherwise `failed` with the reason and no
   * volume left. An image already ready (a resumed task) is left as it is.
   */
  async importFromUrl(
    imageId: string,
    source: { url: string; sha256?: string | undefined },
    options: { signal?: AbortSignal; onProgress?: (loadedBytes: number, totalBytes: number) => void },
  ): Promise<ImageRecord> {
    const { repos, policy, config } = this.deps;
    const image = await repos.images.findById(imageId);
    if (!image) throw imageNotFound(imageId);
    if (image.status === 'ready') return image;
    if (!policy) throw new AppError('INTERNAL', 'internal', 'Image downloads are not configured.');
    try {
      const opened = await openDownload(new URL(source.url), policy, {
        maxBytes: config.maxImageBytes,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const total = opened.lengthBytes;
      let loaded = 0;
      let reported = 0;
      const body = opened.body;
      async function* counted(): AsyncGenerator<Uint8Array> {
        for await (const chunk of body as AsyncIterable<Buffer>) {
          loaded += chunk.length;
          if (options.onProgress && (loaded - reported >= total / 50 || loaded === total)) {
            reported = loaded;
            options.onProgress(loaded, total);
          }
          yield chunk;
        }
      }
      return await this.ingest(image, counted(), total, {
        expectedSha256: source.sha256,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (err: unknown) {
      await this.failImport(
        imageId,
        err instanceof AppError ? err.message : 'The download did not complete.',
      );
      throw err;
    }
  }

  /** Marks an image whose download did not finish `failed` with `reason`, its volume removed (idempotent). */
  async failImport(imageId: string, reason: string, options: { unlessFailed?: boolean } = {}): Promise<void> {
    const image = await this.deps.repos.images.findById(imageId);
    if (!image || image.status === 'ready') return;
    await this.removeContent(imageId);
    if (options.unlessFailed && image.status === 'failed') return;
    const failed = await this.deps.repos.images.update(imageId, {
      status: 'failed',
      failureReason: reason,
      updatedAt: this.deps.clock.now().toISOString(),
    });
    if (failed) await this.publish(failed);
  }

  private async removeContent(imageId: string): Promise<void> {
    await this.deps.hypervisor
      .deleteVolume(imageVolumeRef(this.deps.config.imagesPool, imageId))
      .catch((cleanupErr: unknown) => {
        this.deps.logger.warn(
          { err: cleanupErr, image: imageId },
          'could not remove the content of an image',
        );
      });
  }

  /**
   * Streams `source` into a fresh volume of the image and makes the image `ready` when every byte arrived, the
   * SHA-256 is the expected one (when given) and the format matches its kind. Throws otherwise (the caller cleans up).
   */
  private async ingest(
    image: ImageRecord,
    source: AsyncIterable<Uint8Array>,
    lengthBytes: number,
    options: { expectedSha256?: string | undefined; signal?: AbortSignal | undefined },
  ): Promise<ImageRecord> {
    const { repos, hypervisor, config, clock } = this.deps;
    const ref = imageVolumeRef(config.imagesPool, image.id);
    await hypervisor.deleteVolume(ref);
    await hypervisor.createVolume({ ref, capacityBytes: lengthBytes, format: 'raw' });
    const inspected = await this.streamInto(ref, source, lengthBytes, options.signal);
    if (options.expectedSha256 !== undefined && inspected.sha256 !== options.expectedSha256) {
      throw new AppError(
        'IMAGE_CHECKSUM_MISMATCH',
        'invalid',
        `The content's SHA-256 is ${inspected.sha256}, not the expected ${options.expectedSha256}.`,
        { expected: options.expectedSha256, actual: inspected.sha256 },
      );
    }
    const problem = formatProblem(image.kind, inspected.detected);
    if (problem) throw new AppError('IMAGE_FORMAT_UNSUPPORTED', 'invalid', problem, { kind: image.kind });
    const updated = await repos.images.update(image.id, {
      status: 'ready',
      format: inspected.detected.format,
      sizeBytes: inspected.bytes,
      virtualSizeBytes: inspected.detected.virtualSizeBytes ?? inspected.bytes,
      sha256: inspected.sha256,
      failureReason: null,
      updatedAt: clock.now().toISOString(),
    });
    if (!updated) throw imageNotFound(image.id);
    await this.publish(updated);
    return updated;
  }

  private async streamInto(
    ref: VolumeRef,
    source: AsyncIterable<Uint8Array>,
    lengthBytes: number,
    signal: AbortSignal | undefined,
  ): Promise<{ bytes: number; sha256: string; detected: DetectedFormat }> {
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let bytes = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of source) {
        bytes += chunk.length;
        if (bytes > lengthBytes) {
          throw new AppError('IMAGE_TOO_LARGE', 'too_large', 'The upload is longer than its Content-Length.');
        }
        hash.update(chunk);
        if (headBytes < FORMAT_PROBE_BYTES) {
          head.push(Buffer.from(chunk.subarray(0, FORMAT_PROBE_BYTES - headBytes)));
          headBytes += Math.min(chunk.length, FORMAT_PROBE_BYTES - headBytes);
        }
        yield chunk;
      }
      if (bytes !== lengthBytes) {
        throw new ValidationError(`The upload ended after ${bytes} of ${lengthBytes} bytes.`, [
          { path: '/body', message: 'incomplete' },
        ]);
      }
    }
    await this.deps.hypervisor.uploadVolume(ref, counted(), { lengthBytes, ...(signal ? { signal } : {}) });
    return { bytes, sha256: hash.digest('hex'), detected: detectImageFormat(Buffer.concat(head)) };
  }

  async delete(actor: Actor, id: string): Promise<void> {
    assertCanMutate(actor);
    const { repos, hypervisor, config } = this.deps;
    const image = await this.get(actor, id);
    const users = await repos.vms.countByImage(id);
    if (users > 0) {
      throw new ConflictError('IMAGE_IN_USE', `The image is used by ${users} VM(s).`, { vms: users });
    }
    await hypervisor.deleteVolume(imageVolumeRef(config.imagesPool, id));
    await repos.images.delete(id);
    await this.deps.events.publish({
      type: 'image.deleted',
      resourceKind: 'image',
      resourceId: image.id,
      ownerId: image.ownerId,
      data: { name: image.name },
    });
  }

  private async publish(image: ImageRecord): Promise<void> {
    await this.deps.events.publish({
      type: 'image.updated',
      resourceKind: 'image',
      resourceId: image.id,
      ownerId: image.ownerId,
      data: { image: toImage(image) },
    });
  }
}

function formatProblem(kind: ImageKind, detected: DetectedFormat): string | null {
  if (detected.format === 'qcow2' && detected.problem) return detected.problem;
  if (kind === 'iso' && detected.format !== 'iso') return 'An ISO image must be an ISO 9660 file.';
  if (kind === 'disk' && detected.format === 'iso')
    return 'An ISO file must be uploaded as an image of kind iso.';
  return null;
}
