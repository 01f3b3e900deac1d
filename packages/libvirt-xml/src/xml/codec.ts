// The only place that touches the XML library (fast-xml-parser, see README "Why fast-xml-parser").
//
// Writing: every text and attribute value goes through fast-xml-parser's XMLBuilder, whose value processors
// are our `escapeText` / `escapeAttribute`. We do the escaping ourselves (and turn the library's own entity
// pass off) because the library's default table leaves `\r` in text and `\n`/`\t` in attributes raw, and an
// XML reader (libxml2 inside libvirt) would then normalise them to `\n` and spaces: a value would not
// round-trip. Characters XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF) are
// refused with INVALID_SPEC instead of being written.
//
// Reading: XMLValidator checks well-formedness (fast-xml-parser's parser alone is lenient), then XMLParser
// reads in preserve-order mode with its entity processing off; we decode the five predefined entities and
// numeric character references ourselves and refuse anything else, and refuse DOCTYPE outright, so no
// entity is ever expanded.

import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import { LibvirtXmlError } from '../errors.js';
import type { XmlElement, XmlNode } from './tree.js';

// eslint-disable-next-line no-control-regex -- these are exactly the code points XML 1.0 forbids
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;
// A qualified name (prefix:local or local), with the Unicode letters XML allows: foreign metadata may use them.
const XML_NAME = /^[\p{L}_][\p{L}\p{M}\p{N}._\u00B7-]*(?::[\p{L}_][\p{L}\p{M}\p{N}._\u00B7-]*)?$/u;

function assertWritable(value: string, where: string): void {
  const m = INVALID_XML_CHAR.exec(value);
  if (m !== null) {
    const code = m[0].codePointAt(0) ?? 0;
    throw new LibvirtXmlError(
      'INVALID_SPEC',
      `${where}: character U+${code.toString(16).toUpperCase().padStart(4, '0')} cannot be represented in XML`,
    );
  }
}

/** Escapes character data: `&`, `<`, `>` (so `]]>` can never appear) and `\r` (else read back as `\n`). */
export function escapeText(value: string): string {
  return value.replace(/[&<>\r]/g, (c) => TEXT_ESCAPES[c] ?? c);
}

/** Escapes an attribute value; also `"`, `'`, and `\n`/`\t`/`\r`, which attribute normalisation would eat. */
export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"'\n\r\t]/g, (c) => ATTR_ESCAPES[c] ?? c);
}

const TEXT_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '\r': '&#13;',
};
const ATTR_ESCAPES: Readonly<Record<string, string>> = {
  ...TEXT_ESCAPES,
  '"': '&quot;',
  "'": '&apos;',
  '\n': '&#10;',
  '\t': '&#9;',
};

type OrderedNode = Record<string, unknown>;

function toOrdered(node: XmlNode, path: string): OrderedNode {
  if (node.kind === 'text') {
    assertWritable(node.value, `${path} text`);
    return { '#text': node.value };
  }
  if (node.kind === 'comment') {
    assertWritable(node.value, `${path} comment`);
    return { '#comment': [{ '#text': node.value }] };
  }
  const here = `${path}/${node.name}`;
  if (!XML_NAME.test(node.name))
    throw new LibvirtXmlError('INVALID_SPEC', `invalid element name ${JSON.stringify(node.name)}`);
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.attrs)) {
    if (!XML_NAME.test(name))
      throw new LibvirtXmlError('INVALID_SPEC', `${here}: invalid attribute name ${JSON.stringify(name)}`);
    assertWritable(value, `${here}/@${name}`);
    attrs[name] = value;
  }
  const out: OrderedNode = { [node.name]: node.children.map((c) => toOrdered(c, here)) };
  if (Object.keys(attrs).length > 0) out[':@'] = attrs;
  return out;
}

const BUILDER_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  commentPropName: '#comment',
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: false,
  tagValueProcessor: (_name: string, value: unknown) => escapeText(String(value)),
  attributeValueProcessor: (_name: string, value: unknown) => escapeAttribute(String(value)),
} as const;
// fast-xml-parser 5 marks XMLBuilder and XMLValidator deprecated in favour of its sibling packages
// (XMLBuilder *is* fast-xml-builder, re-exported). We keep to the one XML dependency STYLE §2.2 allows;
// README "Why fast-xml-parser" says what to do when a major release drops the re-exports.
// eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
const compactBuilder = new XMLBuilder({ ...BUILDER_OPTIONS, format: false });
// eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
const prettyBuilder = new XMLBuilder({ ...BUILDER_OPTIONS, format: true, indentBy: '  ' });

/**
 * Serialises a tree. `pretty` (the default) indents with two spaces and ends with a newline; it is meant for
 * trees without mixed content (all our builders). With `pretty: false` text nodes are written as they are,
 * which keeps the layout of a parsed-then-edited document.
 */
export function serializeXml(root: XmlElement, options: { pretty?: boolean } = {}): string {
  const ordered = [toOrdered(root, '')];
  if (options.pretty === false) return compactBuilder.build(ordered);
  return `${prettyBuilder.build(ordered).replace(/^\n+/, '')}\n`;
}

// ---- reading -------------------------------------------------------------------------------------------

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  allowBooleanAttributes: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  htmlEntities: false,
  commentPropName: '#comment',
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: 256,
});

const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function malformed(message: string): never {
  throw new LibvirtXmlError('MALFORMED_XML', message);
}

function decodeReferences(raw: string): string {
  return raw.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) malformed(`bare "&" in ${JSON.stringify(raw.slice(0, 80))}`);
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (m === null) malformed(`undefined entity &${ref};`);
    const code = m[1] === undefined ? Number(m[2]) : parseInt(m[1], 16);
    if (!Number.isSafeInteger(code) || code > 0x10ffff)
      malformed(`character reference &${ref}; is out of range`);
    const ch = String.fromCodePoint(code);
    if (INVALID_XML_CHAR.test(ch)) malformed(`character reference &${ref}; is not allowed in XML`);
    return ch;
  });
}

function decodeAttribute(raw: string): string {
  if (raw.includes('<')) malformed(`"<" in attribute value ${JSON.stringify(raw.slice(0, 80))}`);
  // Attribute-value normalisation (XML 1.0 §3.3.3): literal whitespace characters become spaces.
  return decodeReferences(raw.replace(/[\t\n]/g, ' '));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function innerText(value: unknown): string {
  // Comments and CDATA sections come as [{ '#text': '...' }].
  if (!Array.isArray(value)) return '';
  let out = '';
  for (const item of value) if (isRecord(item) && typeof item['#text'] === 'string') out += item['#text'];
  return out;
}

function fromOrdered(raw: unknown): XmlNode | undefined {
  if (!isRecord(raw)) malformed('unexpected parser output');
  const key = Object.keys(raw).find((k) => k !== ':@');
  if (key === undefined) return undefined;
  const value = raw[key];
  if (key === '#text')
    return { kind: 'text', value: decodeReferences(typeof value === 'string' ? value : String(value)) };
  if (key === '#cdata') return { kind: 'text', value: innerText(value) };
  if (key === '#comment') return { kind: 'comment', value: innerText(value) };
  if (key.startsWith('?')) return undefined;
  if (!XML_NAME.test(key)) malformed(`invalid element name ${JSON.stringify(key)}`);
  const attrEntries: [string, string][] = [];
  const rawAttrs = raw[':@'];
  if (isRecord(rawAttrs)) {
    for (const [name, v] of Object.entries(rawAttrs)) {
      if (typeof v !== 'string') malformed(`attribute ${name} of <${key}> has no value`);
      attrEntries.push([name, decodeAttribute(v)]);
    }
  }
  const children: XmlNode[] = [];
  if (Array.isArray(value)) {
    for (const c of value) {
      const node = fromOrdered(c);
      if (node !== undefined) children.push(node);
    }
  }
  return { kind: 'element', name: key, attrs: Object.fromEntries(attrEntries), children };
}

/** Both the validator and the parser let text after the root element pass silently; we do not. */
function checkNothingAfterRoot(text: string): void {
  let tail = text.trimEnd();
  for (;;) {
    // A comment cannot contain "--", so the last "<!--" starts the last comment.
    const start = tail.endsWith('-->')
      ? tail.lastIndexOf('<!--')
      : tail.endsWith('?>')
        ? tail.lastIndexOf('<?')
        : -1;
    if (start === -1) break;
    tail = tail.slice(0, start).trimEnd();
  }
  if (!tail.endsWith('>')) malformed('text after the root element');
}

/**
 * Parses a document into a tree and checks its root element name. Line endings are normalised as XML
 * requires; whitespace-only text between elements is kept (so an edited document keeps its layout).
 */
export function parseXml(xml: string, expectedRoot: string | readonly string[]): XmlElement {
  if (typeof xml !== 'string') malformed('expected a string');
  const text = xml.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
  const bad = INVALID_XML_CHAR.exec(text);
  if (bad !== null)
    malformed(`character U+${(bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase()} is not allowed in XML`);
  if (/<!DOCTYPE/i.test(text)) malformed('DOCTYPE declarations are not accepted');
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see the note on XMLBuilder above
  const valid = XMLValidator.validate(text);
  if (valid !== true) malformed(`${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
  checkNothingAfterRoot(text);
  const top: unknown = parser.parse(text);
  if (!Array.isArray(top)) malformed('unexpected parser output');
  const roots: XmlElement[] = [];
  for (const item of top) {
    const node = fromOrdered(item);
    if (node === undefined || node.kind === 'comment') continue;
    if (node.kind === 'text') {
      if (node.value.trim() !== '') malformed('text outside the root element');
      continue;
    }
    roots.push(node);
  }
  const [root, ...extra] = roots;
  if (root === undefined) malformed('no root element');
  if (extra.length > 0) malformed('more than one root element');
  const expected = typeof expectedRoot === 'string' ? [expectedRoot] : expectedRoot;
  if (!expected.includes(root.name)) {
    throw new LibvirtXmlError('UNEXPECTED_XML', `expected <${expected.join('> or <')}>, got <${root.name}>`);
  }
  return root;
}
