/**
 * Raised when bytes cannot be decoded as the expected XDR type, or a value cannot be encoded.
 *
 * @example
 * ```ts
 * try { codec.decode(reader); } catch (err) { if (err instanceof XdrError) console.error(err.message); }
 * ```
 */
export class XdrError extends Error {
  override readonly name = 'XdrError';
}
