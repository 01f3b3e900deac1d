/**
 * Redefining a VM keeps what Gureum does not manage. The new definition is built from the VmSpec by libvirt-xml;
 * from the current one (read with SECURE | INACTIVE, so VNC passwords are in it) two things are carried over:
 *
 * 1. the VNC `<graphics>` settings Gureum has no field for — `passwd`, `passwdValidTo`, `keymap`, `sharePolicy`,
 *    `connected`, `websocket`, and a fixed `port` (with `autoport='no'`). The listen address is not carried over:
 *    VNC stays on 127.0.0.1 (DESIGN §4);
 * 2. whole device elements of kinds the VmSpec does not describe (NICs, host devices, channels, filesystems,
 *    TPM, watchdog, redirdev, smartcard), verbatim, with their libvirt-assigned addresses and MACs.
 *
 * libvirt-xml has no API for either yet, so this works on the text: it copies fragments of XML that libvirt
 * itself wrote (already escaped) into XML our builder wrote, and never puts user text into XML. The result is
 * parsed again before it is used.
 */

/** A top-level element found by {@link childElements}. */
interface ElementSpan {
  readonly name: string;
  /** Offset of `<`. */
  readonly start: number;
  /** Offset just after the start tag's `>`. */
  readonly startTagEnd: number;
  /** Offset of the end tag's `<` (= startTagEnd for an empty element). */
  readonly contentEnd: number;
  /** Offset just after the element. */
  readonly end: number;
}

/** Device kinds the VmSpec does not describe: kept as they are on a redefine. */
export const PRESERVED_DEVICES: readonly string[] = [
  'interface',
  'hostdev',
  'channel',
  'filesystem',
  'redirdev',
  'smartcard',
  'tpm',
  'watchdog',
];

/** `<graphics type='vnc'>` attributes kept on a redefine. `port`/`autoport` only when the port was fixed by hand. */
const KEPT_GRAPHICS_ATTRIBUTES = [
  'passwd',
  'passwdValidTo',
  'keymap',
  'sharePolicy',
  'connected',
  'websocket',
];

function fail(message: string): never {
  throw new Error(`cannot merge domain XML: ${message}`);
}

/** Index of the `>` closing the tag that starts at `lt`, skipping quoted attribute values. */
function tagEnd(xml: string, lt: number): number {
  let quote: string | undefined;
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml.charAt(i);
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i;
    }
  }
  return fail('unterminated tag');
}

function skipTo(xml: string, from: number, marker: string): number {
  const at = xml.indexOf(marker, from);
  if (at < 0) fail(`missing ${marker}`);
  return at + marker.length;
}

/** The top-level elements between `from` and `to` (comments, processing instructions and text skipped). */
export function childElements(xml: string, from = 0, to = xml.length): ElementSpan[] {
  const out: ElementSpan[] = [];
  let depth = 0;
  let open: { name: string; start: number; startTagEnd: number } | undefined;
  let i = from;
  for (;;) {
    const lt = xml.indexOf('<', i);
    if (lt < 0 || lt >= to) break;
    if (xml.startsWith('<!--', lt)) i = skipTo(xml, lt + 4, '-->');
    else if (xml.startsWith('<![CDATA[', lt)) i = skipTo(xml, lt + 9, ']]>');
    else if (xml.startsWith('<?', lt)) i = skipTo(xml, lt + 2, '?>');
    else if (xml.startsWith('<!', lt)) i = tagEnd(xml, lt) + 1;
    else {
      const gt = tagEnd(xml, lt);
      if (xml.charAt(lt + 1) === '/') {
        depth--;
        if (depth < 0) fail('unbalanced end tag');
        if (depth === 0 && open) out.push({ ...open, contentEnd: lt, end: gt + 1 });
        if (depth === 0) open = undefined;
      } else {
        const name = /^<([^\s/>]+)/.exec(xml.slice(lt, gt + 1))?.[1] ?? fail('tag without a name');
        const empty = xml.charAt(gt - 1) === '/';
        if (depth === 0) {
          if (empty) out.push({ name, start: lt, startTagEnd: gt + 1, contentEnd: gt + 1, end: gt + 1 });
          else open = { name, start: lt, startTagEnd: gt + 1 };
        }
        if (!empty) depth++;
      }
      i = gt + 1;
    }
  }
  if (depth !== 0) fail('unclosed element');
  return out;
}

/** The root element and its `<devices>` child. */
function devicesOf(xml: string): { devices: ElementSpan; children: ElementSpan[] } {
  const root = childElements(xml).find((e) => e.name === 'domain') ?? fail('no <domain> root');
  const devices =
    childElements(xml, root.startTagEnd, root.contentEnd).find((e) => e.name === 'devices') ??
    fail('no <devices>');
  return { devices, children: childElements(xml, devices.startTagEnd, devices.contentEnd) };
}

interface RawAttribute {
  readonly name: string;
  /** The value as written (still escaped), and the quote it was written with. */
  readonly raw: string;
  readonly quote: string;
}

/** Attributes of a start tag, values left escaped. */
export function startTagAttributes(startTag: string): RawAttribute[] {
  const out: RawAttribute[] = [];
  for (const m of startTag.matchAll(/\s([^\s=/>]+)\s*=\s*(?:'([^']*)'|"([^"]*)")/g)) {
    const [, name, single, double] = m;
    if (name === undefined) continue;
    out.push(
      single === undefined ? { name, raw: double ?? '', quote: '"' } : { name, raw: single, quote: "'" },
    );
  }
  return out;
}

function attributeText(a: RawAttribute): string {
  return ` ${a.name}=${a.quote}${a.raw}${a.quote}`;
}

/** The new `<graphics>` start tag with the kept attributes of the old VNC graphics. */
function mergedGraphicsTag(newTag: string, oldTag: string): string {
  const oldAttrs = startTagAttributes(oldTag);
  const get = (name: string): RawAttribute | undefined => oldAttrs.find((a) => a.name === name);
  if (get('type')?.raw !== 'vnc') return newTag;
  const fixedPort = get('autoport')?.raw === 'no' && get('port') !== undefined;
  const keep = new Set([...KEPT_GRAPHICS_ATTRIBUTES, ...(fixedPort ? ['port', 'autoport'] : [])]);
  const kept = oldAttrs.filter((a) => keep.has(a.name));
  const keptNames = new Set(kept.map((a) => a.name));
  const merged = [...startTagAttributes(newTag).filter((a) => !keptNames.has(a.name)), ...kept];
  const empty = /\/\s*>$/.test(newTag);
  const name = /^<([^\s/>]+)/.exec(newTag)?.[1] ?? 'graphics';
  return `<${name}${merged.map(attributeText).join('')}${empty ? '/>' : '>'}`;
}

/**
 * The new definition (`next`, built from the VmSpec) with what must survive from the current one (`current`, read
 * with SECURE | INACTIVE): see the module comment.
 */
export function mergeRedefinition(current: string, next: string): string {
  const old = devicesOf(current);
  const preserved = old.children
    .filter((e) => PRESERVED_DEVICES.includes(e.name))
    .map((e) => current.slice(e.start, e.end));
  const oldGraphics = old.children.find((e) => e.name === 'graphics');

  const fresh = devicesOf(next);
  let out = next;
  // Edit from the end backwards so earlier offsets stay valid.
  if (preserved.length > 0) {
    // Before the line of `</devices>`, one device per line (libvirt wrote them with the same indentation).
    const close = fresh.devices.contentEnd;
    const lineStart = next.lastIndexOf('\n', close - 1);
    const at = lineStart >= 0 && next.slice(lineStart + 1, close).trim() === '' ? lineStart : close;
    out = `${out.slice(0, at)}${preserved.map((p) => `\n    ${p}`).join('')}${out.slice(at)}`;
  }
  const newGraphics = fresh.children.find((e) => e.name === 'graphics');
  if (oldGraphics && newGraphics) {
    const tag = mergedGraphicsTag(
      next.slice(newGraphics.start, newGraphics.startTagEnd),
      current.slice(oldGraphics.start, oldGraphics.startTagEnd),
    );
    out = `${out.slice(0, newGraphics.start)}${tag}${out.slice(newGraphics.startTagEnd)}`;
  }
  return out;
}
