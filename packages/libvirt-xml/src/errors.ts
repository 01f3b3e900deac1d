/**
 * Why a builder or parser of this package refused its input.
 *
 * - `INVALID_SPEC`: a builder was given a spec libvirt would reject or that cannot be written as XML
 *   (for example a control character, a non-integer size, UEFI without an NVRAM path).
 * - `MALFORMED_XML`: a parser was given text that is not well-formed XML (or uses a DOCTYPE, which
 *   libvirt never emits and which we refuse so that no entity is ever expanded).
 * - `UNEXPECTED_XML`: well-formed XML that is not the document asked for (wrong root element, a
 *   required element missing, a number that is not a number).
 *
 * @example
 * ```ts
 * if (err instanceof LibvirtXmlError && err.code === 'INVALID_SPEC') return badRequest(err.message);
 * ```
 * @see https://libvirt.org/format.html
 */
export type LibvirtXmlErrorCode = 'INVALID_SPEC' | 'MALFORMED_XML' | 'UNEXPECTED_XML';

/**
 * The only error this package throws on purpose.
 *
 * @example
 * ```ts
 * try {
 *   parseDomainXml('<network/>');
 * } catch (err: unknown) {
 *   if (err instanceof LibvirtXmlError && err.code === 'UNEXPECTED_XML') console.error(err.message);
 * }
 * ```
 * @see https://libvirt.org/format.html
 */
export class LibvirtXmlError extends Error {
  override readonly name = 'LibvirtXmlError';
  readonly code: LibvirtXmlErrorCode;

  constructor(code: LibvirtXmlErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Throws an `INVALID_SPEC` error; used by the builders' argument checks. */
export function invalidSpec(message: string): never {
  throw new LibvirtXmlError('INVALID_SPEC', message);
}

/** Throws an `UNEXPECTED_XML` error; used by the parsers. */
export function unexpectedXml(message: string): never {
  throw new LibvirtXmlError('UNEXPECTED_XML', message);
}
