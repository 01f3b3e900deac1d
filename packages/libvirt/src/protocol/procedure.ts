import type { Codec } from '../xdr/codec.js';
import { Program } from './constants.js';

/** How a procedure's stream flows after its reply. */
export type StreamDirection = 'read' | 'write' | 'both';

/**
 * One entry of the declarative procedure table: its number, argument and result codecs, and whether a stream
 * follows the reply. Single-field results are declared with the field's codec (one-field XDR structs encode
 * exactly like their field), so such calls resolve to the value itself. `S` keeps the stream direction as a
 * literal type, so the client can type stream methods (upload source, readable, duplex).
 */
export interface Procedure<A, R, S extends StreamDirection | undefined = StreamDirection | undefined> {
  readonly program: number;
  readonly number: number;
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
  readonly stream?: S;
}

/** The argument type of a procedure. */
export type ArgsOf<P> = P extends Procedure<infer A, unknown> ? A : never;
/** The result type of a procedure. */
export type RetOf<P> = P extends Procedure<unknown, infer R> ? R : never;

/**
 * Declares a procedure of the REMOTE program.
 *
 * @example
 * ```ts
 * const domainGetState = proc(212, struct({ dom: Dom, flags: uint }), struct({ state: int, reason: int }));
 * ```
 */
export function proc<A, R, S extends StreamDirection | undefined = undefined>(
  number: number,
  args: Codec<A>,
  ret: Codec<R>,
  options: { stream?: S; program?: number } = {},
): Procedure<A, R, S> {
  const p: { -readonly [K in keyof Procedure<A, R, S>]: Procedure<A, R, S>[K] } = {
    program: options.program ?? Program.Remote,
    number,
    args,
    ret,
  };
  if (options.stream) p.stream = options.stream;
  return p;
}
