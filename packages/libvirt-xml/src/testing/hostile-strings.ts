/**
 * Strings that must survive every builder → parser round trip untouched and never inject markup: markup,
 * quotes, entity look-alikes, `]]>`, CDATA/comment/PI openers, every kind of line ending, tabs, edge
 * whitespace, non-ASCII (including astral-plane characters), path tricks and XML-legal control characters.
 *
 * @example
 * ```ts
 * for (const name of HOSTILE_STRINGS) expect(parseDomainXml(buildDomainXml({ ...spec, name })).name).toBe(name);
 * ```
 * @see https://www.w3.org/TR/xml/#syntax
 */
export const HOSTILE_STRINGS: readonly string[] = [
  '<x>',
  '</name><name>evil</name>',
  `"'"'`,
  'a & b &amp; &lt; &#65; &unknown;',
  ']]>',
  '<![CDATA[x]]>',
  '<!-- c -->',
  '<?pi x?>',
  'line1\nline2\r\nline3\rline4',
  '\ttab\t',
  '  leading and trailing  ',
  'ünïcødé 한국어 𝄞 🙂',
  '../../etc/passwd',
  'a/b',
  '\u007f\u0085\u2028',
];
