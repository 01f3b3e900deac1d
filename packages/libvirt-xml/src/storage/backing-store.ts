import { attr, child, childText, compact } from '../xml/tree.js';
import type { XmlElement } from '../xml/tree.js';

/**
 * One element of a backing chain (`<backingStore>`), the nearest first; `backingStore` goes one level
 * further down.
 *
 * @example
 * ```ts
 * const chain: ParsedBackingStore = { path: '/pools/images/base.qcow2', format: 'qcow2' };
 * ```
 * @see https://libvirt.org/formatstorage.html#storage-volume-backing-store-elements
 */
export interface ParsedBackingStore {
  readonly path?: string;
  readonly format?: string;
  readonly backingStore?: ParsedBackingStore;
}

/**
 * Reads a `<backingStore>` chain. Handles both shapes libvirt writes: the domain one
 * (`<backingStore type='file'><format type/><source file/><backingStore/></backingStore>`) and the
 * volume one (`<backingStore><path/><format type/></backingStore>`). An empty `<backingStore/>` ends a chain.
 */
export function parseBackingStore(element: XmlElement | undefined): ParsedBackingStore | undefined {
  if (element === undefined) return undefined;
  const source = child(element, 'source');
  const path =
    childText(element, 'path') ?? attr(source, 'file') ?? attr(source, 'dev') ?? attr(source, 'name');
  const format = attr(child(element, 'format'), 'type');
  const next = parseBackingStore(child(element, 'backingStore'));
  if (path === undefined && format === undefined && next === undefined) return undefined;
  return compact({ path, format, backingStore: next });
}
