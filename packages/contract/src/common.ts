import { Kind, Type, TypeRegistry, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import './formats.js';

// Building blocks shared by every resource schema. Request schemas are strict (`additionalProperties: false`)
// so unknown fields are rejected with 400 instead of being silently ignored.

/** The TypeBox kind of `stringEnum` schemas (registered below so `Value.Check` knows it). */
export const STRING_ENUM_KIND = 'StringEnum';

/** A closed set of strings, `'a' | 'b'` in TS; `values` are readable as `schema.enum`. */
export interface TStringEnum<T extends readonly string[]> extends TUnsafe<T[number]> {
  type: 'string';
  enum: T;
}

/**
 * A string enum as JSON Schema's `{ type: 'string', enum }`: what OpenAPI tools turn into enums, what Ajv checks
 * with one lookup, and what the response serializer writes as a plain string (a union of literals would make it
 * validate each branch of every enum field of every listed item to pick one).
 */
export function stringEnum<const T extends readonly [string, ...string[]]>(
  values: T,
  options: { description?: string; title?: string } = {},
): TStringEnum<T> {
  return Type.Unsafe<T[number]>({
    [Kind]: STRING_ENUM_KIND,
    type: 'string',
    enum: [...values],
    ...options,
  }) as TStringEnum<T>;
}

if (!TypeRegistry.Has(STRING_ENUM_KIND)) {
  TypeRegistry.Set<{ enum: readonly string[] }>(
    STRING_ENUM_KIND,
    (schema, value) => typeof value === 'string' && schema.enum.includes(value),
  );
}

/** The TypeBox kind of `nullable` schemas (registered below so `Value.Check` knows it). */
export const NULLABLE_KIND = 'Nullable';
const INNER = Symbol('gureum.nullable.inner');

/** `T | null`, written as JSON Schema's `type: [T's type, 'null']`. */
export interface TNullable<T extends TSchema> extends TUnsafe<Static<T> | null> {
  [INNER]: T;
}

/**
 * `T | null`: for fields that are always present but may be empty (`media: null`). `T` must have one `type`;
 * the result is `T` with `'null'` added to its type (and to its `enum`), not `anyOf: [T, null]`: Ajv checks it
 * with one type test and the response serializer writes it directly instead of validating each branch of
 * every nullable field of every listed item to pick one.
 */
export function nullable<T extends TSchema>(schema: T): TNullable<T> {
  const { type, enum: values } = schema as { type?: unknown; enum?: unknown };
  if (typeof type !== 'string') throw new TypeError('nullable() needs a schema with a single type');
  const out: Record<string | symbol, unknown> = Object.assign({}, schema as object, {
    [Kind]: NULLABLE_KIND,
    [INNER]: schema,
    type: [type, 'null'],
  });
  if (Array.isArray(values)) out.enum = [...(values as unknown[]), null];
  return out as unknown as TNullable<T>;
}

/** The `T` of a `nullable(T)` schema, or undefined for any other value (the OpenAPI document shows `T | null`). */
export function nullableInner(schema: unknown): TSchema | undefined {
  return typeof schema === 'object' && schema !== null && INNER in schema
    ? (schema as TNullable<TSchema>)[INNER]
    : undefined;
}

if (!TypeRegistry.Has(NULLABLE_KIND)) {
  TypeRegistry.Set<{ [INNER]: TSchema }>(
    NULLABLE_KIND,
    (schema, value) => value === null || Value.Check(schema[INNER], value),
  );
}

/** The DNS-label rule for VM, network, image, volume and snapshot names (API.md "Names and hostile input"). */
export const NAME_PATTERN = '^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$';

/** A lowercase libvirt domain UUID: the id of a VM. */
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * VM names additionally must not look like a UUID: `/vms/{idOrName}` would otherwise be ambiguous
 * (a VM named like another VM's id).
 */
export const VM_NAME_PATTERN = `^(?![0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$)${NAME_PATTERN.slice(1)}`;

/** Server-generated ids of other resources (images, tasks, users, …): opaque, URL-safe, never a path. */
export const ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$';

/** A resource name (DNS label). */
export const Name = Type.String({ pattern: NAME_PATTERN, minLength: 1, maxLength: 63 });
/** A VM name: a DNS label that is not UUID-shaped. */
export const VmName = Type.String({ pattern: VM_NAME_PATTERN, minLength: 1, maxLength: 63 });
/** A VM id (libvirt domain UUID, lowercase). */
export const VmId = Type.String({ pattern: UUID_PATTERN, minLength: 36, maxLength: 36 });
/** A VM id or name: both match the DNS-label rule (lowercase UUIDs do too). */
export const VmIdOrName = Type.String({ pattern: NAME_PATTERN, minLength: 1, maxLength: 63 });
/** Any other resource id. */
export const Id = Type.String({ pattern: ID_PATTERN, minLength: 1, maxLength: 64 });

/** An ISO-8601 / RFC 3339 UTC timestamp. */
export const Timestamp = Type.String({ format: 'date-time' });

/** A short label (tags): lowercase, digits, `-`, `_`, `.`, `:`, `/`-free. */
export const Label = Type.String({
  pattern: '^[a-z0-9]([a-z0-9._:-]{0,61}[a-z0-9])?$',
  minLength: 1,
  maxLength: 63,
});
/** At most 32 unique tags. */
export const Tags = Type.Array(Label, { maxItems: 32, uniqueItems: true });
/** Free text shown to humans; never used to build XML by concatenation or a path. */
export const Description = Type.String({ maxLength: 1024 });

/** Sizes are integers in bytes. */
export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;

/** Guest memory: 64 MiB … 1 TiB. */
export const MemoryBytes = Type.Integer({ minimum: 64 * MiB, maximum: TiB });
/** Virtual CPUs: 1 … 256. */
export const Vcpus = Type.Integer({ minimum: 1, maximum: 256 });
/** A disk or volume size: 1 MiB … 16 TiB. */
export const DiskSizeBytes = Type.Integer({ minimum: MiB, maximum: 16 * TiB });
/** A size reported by the server (may be 0 while an upload is in progress). */
export const SizeBytes = Type.Integer({ minimum: 0 });
/** A lowercase hex SHA-256 digest. */
export const Sha256 = Type.String({ pattern: '^[a-f0-9]{64}$', minLength: 64, maxLength: 64 });

/** The kinds of resources that tasks, events and audit entries refer to. */
export const ResourceKind = stringEnum([
  'vm',
  'image',
  'volume',
  'network',
  'snapshot',
  'task',
  'user',
  'token',
  'drift',
  'system',
]);
export type ResourceKind = Static<typeof ResourceKind>;

/** A pointer to a resource: `{ kind: 'vm', id }`. */
export const ResourceRef = Type.Object(
  { kind: ResourceKind, id: Type.String({ maxLength: 128 }) },
  { title: 'ResourceRef' },
);
export type ResourceRef = Static<typeof ResourceRef>;

/** `?limit=&cursor=` of every list (limit 1 … 500, default 100). */
export const pageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
};

/** A page of a list: `{ items, nextCursor }` (`nextCursor` is `null` on the last page). */
export function page<T extends TSchema>(item: T, title: string) {
  return Type.Object({ items: Type.Array(item), nextCursor: nullable(Type.String()) }, { title });
}

/** `:id` path parameter of most resources. */
export const IdParams = Type.Object({ id: Id });
/** `:id` path parameter of VM sub-resources and actions (the VM UUID). */
export const VmIdParams = Type.Object({ id: VmId });
/** `:idOrName` path parameter of `/vms/:idOrName`. */
export const VmIdOrNameParams = Type.Object({ idOrName: VmIdOrName });

/** `?wait=true&timeoutMs=` of task routes: hold the request until the task ends or the wait runs out. */
export const WaitQuery = Type.Object({
  wait: Type.Optional(
    Type.Boolean({ description: 'Hold the request until the task ends (or timeoutMs passes).' }),
  ),
  timeoutMs: Type.Optional(
    Type.Integer({ minimum: 0, maximum: 300_000, description: 'Longest wait; default 30 000.' }),
  ),
});

/** `?dryRun=true` of destructive routes: answer with the plan instead of doing it. */
export const DryRunQuery = Type.Object({
  dryRun: Type.Optional(
    Type.Boolean({ description: 'Return the plan ({ wouldDelete }) without doing anything.' }),
  ),
});

/** `?wait=true&timeoutMs=&dryRun=true` of destructive task routes. */
export const WaitDryRunQuery = Type.Composite([WaitQuery, DryRunQuery]);

/** An empty, strict action body (`{}`), so a typo'd option is an error instead of being ignored. */
export function emptyOptions(title: string) {
  return Type.Object({}, { additionalProperties: false, title });
}

/** The 204 "no content" response marker. */
export const NoContent = Type.Null({ description: 'No content' });
