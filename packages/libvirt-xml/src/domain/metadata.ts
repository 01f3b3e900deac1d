// Gureum's own element inside a domain's <metadata>. libvirt keeps foreign-namespace metadata verbatim,
// so this is how drift detection tells our domains from others and recovers ownership after a DB loss.

import { invalidSpec } from '../errors.js';
import { attr, child, compact, el, elements, localName, prefixOf, textEl, textOf } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';

/**
 * XML namespace of Gureum's domain metadata. The major version is part of the URI: a change that old
 * readers would misread gets a new URI.
 *
 * @example
 * ```ts
 * GUREUM_VM_NAMESPACE; // 'https://gureum.dev/xmlns/vm/1'
 * ```
 * @see https://libvirt.org/formatdomain.html#general-metadata
 */
export const GUREUM_VM_NAMESPACE = 'https://gureum.dev/xmlns/vm/1';

const PREFIX = 'gureum';

/**
 * Installation phase of a VM installed from an ISO (API `installation.status`).
 *
 * @example
 * ```ts
 * const status: InstallationStatus = 'installing';
 * ```
 * @see https://libvirt.org/formatdomain.html#general-metadata
 */
export type InstallationStatus = 'not_installed' | 'installing' | 'installed' | 'failed';

const INSTALLATION: readonly InstallationStatus[] = ['not_installed', 'installing', 'installed', 'failed'];

/**
 * Typed content of `<gureum:vm xmlns:gureum="https://gureum.dev/xmlns/vm/1">`.
 *
 * @example
 * ```ts
 * const metadata: GureumVmMetadata = { vmId: 'a1b2…', ownerId: 'u-1', installation: 'installing' };
 * ```
 * @see https://libvirt.org/formatdomain.html#general-metadata
 */
export interface GureumVmMetadata {
  /** The VM id (normally equal to the domain UUID). */
  readonly vmId: string;
  readonly ownerId?: string;
  readonly installation?: InstallationStatus;
  /** Image the system disk was created from. */
  readonly imageId?: string;
  /** ISO image currently in the cdrom, if any. */
  readonly mediaImageId?: string;
  /** ISO-8601 UTC creation time. */
  readonly createdAt?: string;
  readonly tags?: readonly string[];
}

const FIELDS = ['vmId', 'ownerId', 'installation', 'imageId', 'mediaImageId', 'createdAt'] as const;

/** Builds the `<gureum:vm>` element. */
export function metadataElement(metadata: GureumVmMetadata): XmlElement {
  if (metadata.vmId === '') invalidSpec('metadata.vmId must not be empty');
  if (metadata.installation !== undefined && !INSTALLATION.includes(metadata.installation)) {
    invalidSpec(`metadata.installation must be one of ${INSTALLATION.join(', ')}`);
  }
  const q = (name: string): string => `${PREFIX}:${name}`;
  return el(q('vm'), { [`xmlns:${PREFIX}`]: GUREUM_VM_NAMESPACE }, [
    ...FIELDS.map((f) => textEl(q(f), metadata[f])),
    metadata.tags !== undefined &&
      el(
        q('tags'),
        {},
        metadata.tags.map((t) => el(q('tag'), {}, [t])),
      ),
  ]);
}

/** Finds our element among `<metadata>`'s children, whatever prefix it was written with. */
export function findMetadataElement(metadata: XmlElement | undefined): XmlElement | undefined {
  if (metadata === undefined) return undefined;
  return elements(metadata).find((e) => {
    if (localName(e.name) !== 'vm') return false;
    const prefix = prefixOf(e.name);
    return attr(e, prefix === '' ? 'xmlns' : `xmlns:${prefix}`) === GUREUM_VM_NAMESPACE;
  });
}

/** Reads `<gureum:vm>`; unknown children are ignored, an invalid installation value is dropped. */
export function parseMetadataElement(vm: XmlElement): GureumVmMetadata | undefined {
  const prefix = prefixOf(vm.name);
  const q = (name: string): string => (prefix === '' ? name : `${prefix}:${name}`);
  const field = (name: string): string | undefined => {
    const found = child(vm, q(name));
    return found === undefined ? undefined : textOf(found);
  };
  const vmId = field('vmId');
  if (vmId === undefined) return undefined;
  const installation = field('installation');
  const tags = child(vm, q('tags'));
  return {
    vmId,
    ...compact({
      ownerId: field('ownerId'),
      installation: INSTALLATION.find((s) => s === installation),
      imageId: field('imageId'),
      mediaImageId: field('mediaImageId'),
      createdAt: field('createdAt'),
      tags: tags === undefined ? undefined : elements(tags, q('tag')).map(textOf),
    }),
  };
}
