import { Type, type Static } from '@sinclair/typebox';
import { Label, SizeBytes, Timestamp, Id, nullable, pageQuery, page, stringEnum } from '../common.js';

/** `GET /health`: reachable without a token; `status` is `degraded` while libvirt or the database is down. */
export const Health = Type.Object(
  {
    status: stringEnum(['ok', 'degraded']),
    libvirt: stringEnum(['up', 'down']),
    database: stringEnum(['up', 'down']),
    version: Type.String(),
  },
  { title: 'Health' },
);
export type Health = Static<typeof Health>;

/** A username: lowercase letters, digits, `.`, `_`, `-`; 1–32 characters. */
export const Username = Type.String({
  pattern: '^[a-z0-9]([a-z0-9._-]{0,30}[a-z0-9])?$',
  minLength: 1,
  maxLength: 32,
});
/** A new password: 8–1024 characters (the upper bound keeps hashing cheap). */
export const Password = Type.String({ minLength: 8, maxLength: 1024 });

/** `POST /auth/login` body. Not pattern-checked, so a malformed username is a plain 401, like a wrong one. */
export const LoginRequest = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 256 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false, title: 'LoginRequest' },
);
export type LoginRequest = Static<typeof LoginRequest>;

/** `POST /auth/login` reply: a session token (bearer) and when it expires. */
export const LoginResponse = Type.Object(
  { token: Type.String(), expiresAt: Timestamp },
  { title: 'LoginResponse' },
);
export type LoginResponse = Static<typeof LoginResponse>;

/** Roles: `admin` sees and does everything; `member` owns VMs; `viewer` only reads its own resources. */
export const Role = stringEnum(['admin', 'member', 'viewer']);
export type Role = Static<typeof Role>;

/** A user (`GET /users/{id}`, `GET /me`). */
export const User = Type.Object(
  { id: Id, username: Username, role: Role, createdAt: Timestamp },
  { title: 'User' },
);
export type User = Static<typeof User>;

/** `GET /me`: the caller, same shape as `User`. */
export const Me = Type.Object(
  { id: Id, username: Username, role: Role, createdAt: Timestamp },
  { title: 'Me' },
);
export type Me = Static<typeof Me>;

/** `POST /users` body (admin). */
export const UserCreate = Type.Object(
  { username: Username, password: Password, role: Role },
  { additionalProperties: false, title: 'UserCreate' },
);
export type UserCreate = Static<typeof UserCreate>;

/** `PATCH /users/{id}` body (admin): partial. */
export const UserUpdate = Type.Object(
  { role: Type.Optional(Role), password: Type.Optional(Password) },
  { additionalProperties: false, title: 'UserUpdate' },
);
export type UserUpdate = Static<typeof UserUpdate>;

/**
 * `POST /me/password` body: the caller's current password and the new one. `currentPassword` is not
 * length-checked beyond login's bounds, so a wrong one is always `PASSWORD_INCORRECT`, never a schema error.
 */
export const PasswordChange = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 1024 }), newPassword: Password },
  { additionalProperties: false, title: 'PasswordChange' },
);
export type PasswordChange = Static<typeof PasswordChange>;

/** `GET /users` query. */
export const UserListQuery = Type.Object(
  { ...pageQuery, role: Type.Optional(Role) },
  { title: 'UserListQuery' },
);
export type UserListQuery = Static<typeof UserListQuery>;
export const UserList = page(User, 'UserList');
export type UserList = Static<typeof UserList>;

/** A named API token as listed (the secret is never shown again after creation). */
export const Token = Type.Object(
  {
    id: Id,
    name: Label,
    createdAt: Timestamp,
    expiresAt: nullable(Timestamp),
    lastUsedAt: nullable(Timestamp),
  },
  { title: 'Token' },
);
export type Token = Static<typeof Token>;

/** `POST /tokens` body: no `expiresAt` means the token does not expire. */
export const TokenCreate = Type.Object(
  { name: Label, expiresAt: Type.Optional(Timestamp) },
  { additionalProperties: false, title: 'TokenCreate' },
);
export type TokenCreate = Static<typeof TokenCreate>;

/** `POST /tokens` reply: `token` is the secret, shown here once and stored hashed. */
export const TokenCreated = Type.Object(
  { id: Id, name: Label, token: Type.String(), expiresAt: nullable(Timestamp) },
  { title: 'TokenCreated' },
);
export type TokenCreated = Static<typeof TokenCreated>;

export const TokenList = Type.Object({ items: Type.Array(Token) }, { title: 'TokenList' });
export type TokenList = Static<typeof TokenList>;

// Bounded so every limit is exact as a JS number and fits a 64-bit column.
const limit = (description: string) =>
  nullable(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description }));

/** A user's quota (`GET/PUT /users/{id}/quota`); `null` means unlimited. */
export const Quota = Type.Object(
  {
    maxVms: limit('VMs owned'),
    maxVcpus: limit('vCPUs over all VMs'),
    maxMemoryBytes: limit('memory over all VMs, bytes'),
    maxDiskBytes: limit('disk (volumes and VM disks), bytes'),
  },
  { additionalProperties: false, title: 'Quota' },
);
export type Quota = Static<typeof Quota>;

/**
 * `GET /me/usage`: what the caller uses now, and its quota. Every VM the caller owns counts (being created, ready or
 * being deleted); `diskBytes` is the capacity of its system and data volumes, plus the system disk of each VM whose
 * create has been accepted but has not made that disk yet. Image files do not count.
 */
export const Usage = Type.Object(
  {
    vms: Type.Integer({ minimum: 0 }),
    vcpus: Type.Integer({ minimum: 0 }),
    memoryBytes: SizeBytes,
    diskBytes: SizeBytes,
    quota: Quota,
  },
  { title: 'Usage' },
);
export type Usage = Static<typeof Usage>;
