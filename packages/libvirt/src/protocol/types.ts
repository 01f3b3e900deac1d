import {
  double,
  fixedOpaque,
  hyper,
  int,
  optString,
  optional,
  string,
  struct,
  uhyper,
  uint,
  union,
  xstring,
  type Codec,
  type Infer,
} from '../xdr/codec.js';
import { XdrError } from '../xdr/errors.js';

const uuidBytes = fixedOpaque(16);

/** A UUID as its canonical 8-4-4-4-12 lower-case text; 16 raw bytes on the wire. */
export const Uuid: Codec<string> = {
  minBytes: 16,
  encode(w, s) {
    const hex = s.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new XdrError(`not a UUID: ${s}`);
    uuidBytes.encode(w, Buffer.from(hex, 'hex'));
  },
  decode: (r) => r.uuid(),
};

/** `remote_nonnull_domain`: the daemon resolves it by `uuid` only. `id` is -1 while the domain is inactive. */
export const Dom = struct({ name: string, uuid: Uuid, id: int });
export type Dom = Infer<typeof Dom>;
/** `remote_nonnull_network`. */
export const Net = struct({ name: string, uuid: Uuid });
export type Net = Infer<typeof Net>;
/** `remote_nonnull_storage_pool`. */
export const Pool = struct({ name: string, uuid: Uuid });
export type Pool = Infer<typeof Pool>;
/** `remote_nonnull_storage_vol`: `key` is the path for directory pools. */
export const Vol = struct({ pool: string, name: string, key: string });
export type Vol = Infer<typeof Vol>;
/** `remote_nonnull_domain_snapshot`. */
export const Snap = struct({ name: string, dom: Dom });
export type Snap = Infer<typeof Snap>;

export const OptDom = optional(Dom);
export const OptNet = optional(Net);
export const OptPool = optional(Pool);

/** Typed parameter value kinds. */
export const TypedParamType = {
  Int: 1,
  Uint: 2,
  Llong: 3,
  Ullong: 4,
  Double: 5,
  Boolean: 6,
  String: 7,
} as const;

/** `remote_typed_param_value`. */
export const TypedParamValue = union({
  1: int,
  2: uint,
  3: hyper,
  4: uhyper,
  5: double,
  6: int,
  7: string,
});
/** `remote_typed_param`: a named, typed value (field names are at most 80 bytes). */
export const TypedParam = struct({ field: xstring(80), value: TypedParamValue });
export type TypedParam = Infer<typeof TypedParam>;

/** `remote_error`: the body of a failed reply. */
export const RemoteError = struct({
  code: int,
  domain: int,
  message: optString,
  level: int,
  dom: OptDom,
  str1: optString,
  str2: optString,
  str3: optString,
  int1: int,
  int2: int,
  net: OptNet,
});
export type RemoteError = Infer<typeof RemoteError>;

/** Plain value of a typed parameter (booleans become `boolean`, 64-bit integers stay `bigint`). */
export type TypedParamPlain = number | bigint | string | boolean;

/** Turns a typed-parameter list into a record keyed by field name. */
export function typedParamsToRecord(params: readonly TypedParam[]): Record<string, TypedParamPlain> {
  const out: Record<string, TypedParamPlain> = {};
  for (const p of params) out[p.field] = p.value.type === 6 ? p.value.value !== 0 : p.value.value;
  return out;
}
