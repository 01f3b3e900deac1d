import { describe, expect, it } from 'vitest';
import { LibvirtXmlError } from '../errors.js';
import { parseXml, serializeXml } from './codec.js';
import { HOSTILE_STRINGS } from '../testing/hostile-strings.js';
import { attr, childText, el, elements, textOf } from './tree.js';

function roundTrip(value: string): { text: string; attribute: string; xml: string } {
  const xml = serializeXml(el('root', { value }, [el('text', {}, [value])]));
  const root = parseXml(xml, 'root');
  return { text: childText(root, 'text') ?? '', attribute: attr(root, 'value') ?? '', xml };
}

describe('serializeXml / parseXml', () => {
  it.each(HOSTILE_STRINGS)('round-trips %j in text and attributes without injecting elements', (value) => {
    const { text, attribute, xml } = roundTrip(value);
    expect(text).toBe(value);
    expect(attribute).toBe(value);
    const root = parseXml(xml, 'root');
    expect(elements(root).map((e) => e.name)).toEqual(['text']);
    expect(elements(elements(root)[0] ?? root)).toEqual([]);
  });

  it('escapes so that no raw markup or ]]> reaches the output', () => {
    const xml = serializeXml(el('a', { b: `<"'&>\n` }, [']]><x/>&\r']));
    expect(xml).toBe('<a b="&lt;&quot;&apos;&amp;&gt;&#10;">]]&gt;&lt;x/&gt;&amp;&#13;</a>\n');
  });

  it('refuses characters XML cannot carry', () => {
    for (const bad of ['\u0000', '\u0001', '\u001b[31m', '\uFFFE', '\uD800']) {
      expect(() => serializeXml(el('a', {}, [bad]))).toThrow(LibvirtXmlError);
      expect(() => serializeXml(el('a', { b: bad }))).toThrow(/cannot be represented/);
    }
  });

  it('refuses invalid element and attribute names, accepts Unicode ones', () => {
    expect(() => serializeXml(el('a b'))).toThrow(/invalid element name/);
    expect(() => serializeXml(el('1a'))).toThrow(/invalid element name/);
    expect(parseXml(serializeXml(el('d:名前', { 'xmlns:d': 'u', état: 'x' })), 'd:名前').attrs).toEqual({
      'xmlns:d': 'u',
      état: 'x',
    });
    expect(() => serializeXml(el('a', { 'x"y': '1' }))).toThrow(/invalid attribute name/);
  });

  it('decodes predefined entities, character references and CDATA, and normalises attributes', () => {
    const root = parseXml(
      `<?xml version='1.0'?>\r\n<r a='x&#10;y\tz&#9;&lt;&quot;'><t>&lt;&#x41;&#66;&#x1F642;<![CDATA[<&amp;]]></t><!-- c --></r>`,
      'r',
    );
    expect(attr(root, 'a')).toBe('x\ny z\t<"');
    expect(childText(root, 't')).toBe('<AB🙂<&amp;');
  });

  it.each([
    ['not XML', 'hello'],
    ['unclosed', '<a>'],
    ['mismatched', '<a><b></a>'],
    ['two roots', '<a/><b/>'],
    ['text after root', '<a/>text'],
    ['text between trailing comments', '<a><!--x--></a>text<!--c-->'],
    ['undefined entity', '<a>&foo;</a>'],
    ['bare ampersand', '<a>&</a>'],
    ['< in attribute', '<a b="<"/>'],
    ['duplicate attribute', '<a x="1" x="2"/>'],
    ['DOCTYPE', '<!DOCTYPE a [<!ENTITY x "yyyy">]><a>&x;</a>'],
    ['control character', '<a>\u0001</a>'],
    ['invalid character reference', '<a>&#0;</a>'],
    ['empty', ''],
  ])('rejects %s as MALFORMED_XML', (_label, xml) => {
    expect(() => parseXml(xml, 'a')).toThrow(expect.objectContaining({ code: 'MALFORMED_XML' }) as Error);
  });

  it('accepts comments and a declaration around the root element', () => {
    expect(parseXml('<?xml version="1.0"?>\n<!-- a -->\n<a/>\n<!-- b -->\n', 'a').name).toBe('a');
  });

  it('rejects an unexpected root element as UNEXPECTED_XML', () => {
    expect(() => parseXml('<network/>', 'domain')).toThrow(
      expect.objectContaining({ code: 'UNEXPECTED_XML' }) as Error,
    );
  });

  it('keeps whitespace, comments and order when written back compactly', () => {
    const source = '<a x="1">\n  <!-- keep -->\n  <b>t</b>\n  <c/>\n  <b>u</b>\n</a>';
    const root = parseXml(source, 'a');
    expect(serializeXml(root, { pretty: false })).toBe(source);
    expect(elements(root, 'b').map(textOf)).toEqual(['t', 'u']);
  });
});
