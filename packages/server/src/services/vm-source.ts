/**
 * What `POST /vms` may build a VM from, checked before anything is reserved: a ready disk image, or a blank disk with
 * a ready installer ISO; and the firmware, which the host must offer.
 */
import { ConflictError, imageNotFound, ValidationError, type FieldError } from '../domain/errors.js';
import type { Firmware, ImageKind, ImageRecord } from '../domain/model.js';
import type { Hypervisor } from '../ports/hypervisor.js';
import type { Repositories } from '../ports/repositories.js';
import { canSee, type Actor } from './access.js';

/** OVMF needs at least this much memory: with 128 MiB it raises an exception or hangs without a word. */
export const UEFI_MIN_MEMORY_BYTES = 160 * 1024 * 1024;

export type VmSource = { imageId: string } | { blank: { sizeBytes: number }; isoImageId: string };

/** The checked source: the image the system disk overlays, or the blank disk's size and the installer ISO. */
export type ResolvedVmSource =
  { kind: 'image'; image: ImageRecord } | { kind: 'blank'; sizeBytes: number; iso: ImageRecord };

/**
 * An image the actor may use as `kind`, ready. A missing (or someone else's) image is 404, an image of the other
 * kind 400 `IMAGE_KIND_MISMATCH` (naming `path`), an image still uploading or failed 409 `IMAGE_NOT_READY`.
 */
export async function usableImage(
  repos: Repositories,
  actor: Actor,
  imageId: string,
  kind: ImageKind,
  path: string,
): Promise<ImageRecord> {
  const image = await repos.images.findById(imageId);
  if (!image || !canSee(actor, image.ownerId)) throw imageNotFound(imageId);
  if (image.kind !== kind) {
    throw new ValidationError(
      kind === 'iso'
        ? 'An installer or cdrom media must be an image of kind iso.'
        : 'A VM system disk must come from an image of kind disk.',
      [{ path, message: kind === 'iso' ? 'not an ISO image' : 'not a disk image' }],
      'IMAGE_KIND_MISMATCH',
    );
  }
  if (image.status !== 'ready') {
    throw new ConflictError('IMAGE_NOT_READY', `The image '${image.name}' is ${image.status}.`, {
      image: image.id,
    });
  }
  return image;
}

export async function resolveVmSource(
  repos: Repositories,
  actor: Actor,
  source: VmSource,
): Promise<ResolvedVmSource> {
  if ('imageId' in source) {
    return {
      kind: 'image',
      image: await usableImage(repos, actor, source.imageId, 'disk', '/body/source/imageId'),
    };
  }
  const iso = await usableImage(repos, actor, source.isoImageId, 'iso', '/body/source/isoImageId');
  return { kind: 'blank', sizeBytes: source.blank.sizeBytes, iso };
}

/**
 * UEFI only where libvirt's domain capabilities say the host has OVMF, and with enough memory for it. Refused with
 * 400 rather than silently given BIOS: the caller would get a VM that is not what it asked for.
 */
export async function checkFirmware(
  hypervisor: Hypervisor,
  req: { firmware?: Firmware | undefined; memoryBytes: number },
): Promise<void> {
  if (req.firmware !== 'uefi') return;
  const errors: FieldError[] = [];
  if (!(await hypervisor.firmwareSupport()).uefi) {
    errors.push({ path: '/body/firmware', message: 'this host has no UEFI firmware (OVMF)' });
  }
  if (req.memoryBytes < UEFI_MIN_MEMORY_BYTES) {
    errors.push({ path: '/body/memoryBytes', message: `UEFI needs at least ${UEFI_MIN_MEMORY_BYTES} bytes` });
  }
  if (errors.length > 0) throw new ValidationError('This VM cannot have UEFI firmware.', errors);
}
