// A minimal, immutable XML tree shared by every builder and parser of this package. Builders assemble it
// with `el()`; `serializeXml()` hands it to fast-xml-parser's builder, which escapes every value; parsers
// read it with the small query helpers below. Keeping our own tree (rather than fast-xml-parser's
// preserve-order arrays) keeps element order, repeated siblings and unknown elements explicit.

import { unexpectedXml } from '../errors.js';

/** An element: its qualified name (with prefix, if any), attributes in document order, and children. */
export interface XmlElement {
  readonly kind: 'element';
  readonly name: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
}

/** Character data (entity references already decoded; CDATA sections become text). */
export interface XmlText {
  readonly kind: 'text';
  readonly value: string;
}

/** A comment, kept so that an edited document keeps its comments. */
export interface XmlComment {
  readonly kind: 'comment';
  readonly value: string;
}

export type XmlNode = XmlElement | XmlText | XmlComment;

/** An attribute value as builders pass it: `undefined` leaves the attribute out. */
export type AttrValue = string | number | bigint | undefined;

/** A child as builders pass it: strings become text, `false`/`null`/`undefined` are skipped. */
export type ChildInput = XmlNode | string | false | null | undefined;

/** Creates an element; attributes whose value is `undefined` and falsy children are left out. */
export function el(
  name: string,
  attrs: Readonly<Record<string, AttrValue>> = {},
  children: readonly ChildInput[] = [],
): XmlElement {
  const attrEntries: [string, string][] = [];
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined) attrEntries.push([key, String(value)]);
  }
  const nodes: XmlNode[] = [];
  for (const c of children) {
    if (c === false || c === null || c === undefined) continue;
    nodes.push(typeof c === 'string' ? { kind: 'text', value: c } : c);
  }
  return { kind: 'element', name, attrs: Object.fromEntries(attrEntries), children: nodes };
}

/** An element holding only text, or nothing at all when `value` is `undefined`. */
export function textEl(
  name: string,
  value: string | number | bigint | undefined,
  attrs: Readonly<Record<string, AttrValue>> = {},
): XmlElement | undefined {
  return value === undefined ? undefined : el(name, attrs, [String(value)]);
}

/** Returns a copy of `element` with other children. */
export function withChildren(element: XmlElement, children: readonly XmlNode[]): XmlElement {
  return { ...element, children };
}

// ---- queries -------------------------------------------------------------------------------------------

/** The child elements of `parent`, optionally only those named `name`. */
export function elements(parent: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of parent.children) {
    if (c.kind === 'element' && (name === undefined || c.name === name)) out.push(c);
  }
  return out;
}

/** The first child element named `name`, following further names as a path. */
export function child(parent: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let current = parent;
  for (const name of path) {
    if (current === undefined) return undefined;
    current = current.children.find((c): c is XmlElement => c.kind === 'element' && c.name === name);
  }
  return current;
}

/** The concatenated text children of `element` (not of its descendants). */
export function textOf(element: XmlElement): string {
  let out = '';
  for (const c of element.children) if (c.kind === 'text') out += c.value;
  return out;
}

/** The text of the child at `path`, or `undefined` when that child is absent. */
export function childText(parent: XmlElement | undefined, ...path: string[]): string | undefined {
  const found = child(parent, ...path);
  return found === undefined ? undefined : textOf(found);
}

/** `value` unless it is empty or only whitespace. */
export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** An attribute value, or `undefined`. */
export function attr(element: XmlElement | undefined, name: string): string | undefined {
  if (element === undefined || !Object.hasOwn(element.attrs, name)) return undefined;
  return element.attrs[name];
}

/** The local part of a qualified name (`gureum:vm` → `vm`). */
export function localName(name: string): string {
  const i = name.indexOf(':');
  return i === -1 ? name : name.slice(i + 1);
}

/** The prefix of a qualified name (`gureum:vm` → `gureum`), or `''`. */
export function prefixOf(name: string): string {
  const i = name.indexOf(':');
  return i === -1 ? '' : name.slice(0, i);
}

/** Parses a non-negative decimal integer that must fit a JavaScript number exactly. */
export function toInt(value: string, what: string): number {
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed))
    unexpectedXml(`${what}: expected a non-negative integer, got ${JSON.stringify(value)}`);
  const n = Number(trimmed);
  if (!Number.isSafeInteger(n)) unexpectedXml(`${what}: ${trimmed} is too large`);
  return n;
}

/** `toInt` for an optional value. */
export function toIntOpt(value: string | undefined, what: string): number | undefined {
  return value === undefined ? undefined : toInt(value, what);
}

type UndefinedKeys<T> = { [K in keyof T]-?: undefined extends T[K] ? K : never }[keyof T];

/** `T` with every property that may be `undefined` turned into an optional property without `undefined`. */
export type Compacted<T> = { [K in Exclude<keyof T, UndefinedKeys<T>>]: T[K] } & {
  [K in UndefinedKeys<T>]?: Exclude<T[K], undefined>;
};

/** Drops the keys whose value is `undefined`, so results satisfy `exactOptionalPropertyTypes`. */
export function compact<T extends object>(value: T): Compacted<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = v;
  // Safe: the only difference from `value` is that keys holding `undefined` are gone.
  return out as Compacted<T>;
}
