import { createHash, randomUUID } from 'node:crypto';
import { AppError, ConflictError, imageNotFound, ValidationError } from '../domain/errors.js';
import { detectImageFormat, FORMAT_PROBE_BYTES, type DetectedFormat } from '../domain/image-format.js';
import type { ImageKind, ImageRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher } from '../ports/events.js';
import type { Hypervisor, VolumeRef } from '../ports/hypervisor.js';
import type { ImageListFilter, Page, Repositories } from '../ports/repositories.js';
import { assertCanMutate, assertFound, ownerFilter, type Actor } from './access.js';
import type { Logger } from './logger.js';
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
      instanceId: string;
    },
  ) {}

  async create(actor: Actor, input: { name: string; kind: ImageKind }): Promise<ImageRecord> {
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
      sourceUrl: null,
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
    const { repos, hypervisor, config, clock } = this.deps;
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
    const ref = imageVolumeRef(config.imagesPool, id);
    try {
      await hypervisor.deleteVolume(ref);
      await hypervisor.createVolume({ ref, capacityBytes: options.lengthBytes, format: 'raw' });
      const inspected = await this.streamInto(ref, source, options.lengthBytes, options.signal);
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
      const updated = await repos.images.update(id, {
        status: 'ready',
        format: inspected.detected.format,
        sizeBytes: inspected.bytes,
        virtualSizeBytes: inspected.detected.virtualSizeBytes ?? inspected.bytes,
        sha256: inspected.sha256,
        failureReason: null,
        updatedAt: clock.now().toISOString(),
      });
      if (!updated) throw imageNotFound(id);
      await this.publish(updated);
      return updated;
    } catch (err: unknown) {
      await hypervisor.deleteVolume(ref).catch((cleanupErr: unknown) => {
        this.deps.logger.warn({ err: cleanupErr, image: id }, 'could not remove a failed upload');
      });
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
