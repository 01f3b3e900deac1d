/**
 * Test harness of the fast tier: the REAL server (`startServer`: composition, HTTP edge, events WebSocket, task
 * engine, services) listening on 127.0.0.1:0, with two ports swapped for in-process stand-ins:
 * - hypervisor: FakeHypervisor (fake; no libvirt),
 * - database: the real Kysely adapter over in-memory SQLite (real adapter, no file).
 * Not imported by application code.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE_PATH } from '@gureum/contract';
import { createGureumClient, type GureumClient } from '@gureum/client';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { pino, type Logger as PinoLogger } from 'pino';
import { expect } from 'vitest';
import { WebSocket } from 'ws';
import { createDatabase, type KyselyDatabase } from '../adapters/db/index.js';
import { loadConfig, type Config } from '../config/config.js';
import type { User } from '../domain/model.js';
import { startServer, type RunningServer, type ServerOverrides } from '../server.js';
import { hashPassword } from '../services/auth.service.js';
import { FakeHypervisor } from './fake-hypervisor.js';

export const ADMIN_PASSWORD = 'admin-password-for-tests';
export const MEMBER_PASSWORD = 'member-password-for-tests';

export interface HarnessUser {
  id: string;
  username: string;
  token: string;
}

export interface Harness {
  /** `http://127.0.0.1:<port>` */
  url: string;
  app: FastifyInstance;
  server: RunningServer;
  config: Config;
  /** The admin's session token. */
  token: string;
  admin: HarnessUser;
  /** A second user (role member) made through the repositories. */
  member: HarnessUser;
  hypervisor: FakeHypervisor;
  db: KyselyDatabase;
  /** The typed client, logged in as the admin, over real HTTP. */
  client: GureumClient;
  /** `app.inject()` under `/api/v1` with the admin's token unless `token` says otherwise (`null`: none). */
  request(method: InjectMethod, path: string, options?: RequestOptions): Promise<LightMyRequestResponse>;
  /** The server's graceful `close()`, once (the database stays open for assertions). */
  stopServer(): Promise<void>;
  close(): Promise<void>;
}

export type InjectMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  hypervisor?: FakeHypervisor;
  /** The server's logger (default: silent, or GUREUM_TEST_LOG's level). */
  logger?: PinoLogger;
  /** More injection points of the server: a movable clock, shorter console limits. */
  overrides?: Pick<ServerOverrides, 'clock' | 'consoleLimits'>;
}

/** Starts a server on a fresh in-memory database and a fresh FakeHypervisor, logged in as admin and member. */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gureum-harness-'));
  const config = loadConfig({
    GUREUM_LISTEN: '127.0.0.1:0',
    GUREUM_DATA_DIR: dataDir,
    GUREUM_STORAGE_DIR: join(dataDir, 'storage'),
    GUREUM_CONFIG_FILE: join(dataDir, 'no-config.json'),
    GUREUM_ADMIN_PASSWORD: ADMIN_PASSWORD,
    GUREUM_HOST_ENV: '/nonexistent',
    GUREUM_STOP_TIMEOUT_MS: '500',
    ...options.env,
  });
  const hypervisor = options.hypervisor ?? new FakeHypervisor();
  const db = await createDatabase({ url: ':memory:' });
  let server: RunningServer;
  try {
    server = await startServer(config, {
      hypervisor,
      database: db,
      logger: options.logger ?? pino({ level: process.env.GUREUM_TEST_LOG ?? 'silent' }),
      ...options.overrides,
    });
  } catch (err: unknown) {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { app, url } = server;

  const login = async (username: string, password: string): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: `${BASE_PATH}/auth/login`,
      payload: { username, password },
    });
    if (res.statusCode !== 200) throw new Error(`login of ${username} failed: ${res.statusCode} ${res.body}`);
    return res.json<{ token: string }>().token;
  };

  const adminToken = await login('admin', ADMIN_PASSWORD);
  const adminRow = await db.users.findByUsername('admin');
  if (!adminRow) throw new Error('no admin user after start-up');
  const member = await addUser(db, 'member', 'member');
  const memberToken = await login(member.username, MEMBER_PASSWORD);

  const request: Harness['request'] = (method, path, opts = {}) => {
    const token = opts.token === undefined ? adminToken : opts.token;
    const headers: Record<string, string> = { ...opts.headers };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    return app.inject({
      method,
      url: `${BASE_PATH}${path}`,
      headers,
      ...(opts.query ? { query: opts.query } : {}),
      ...(opts.body === undefined ? {} : { payload: opts.body as Record<string, unknown> }),
    });
  };

  let stopping: Promise<void> | null = null;
  const stopServer = (): Promise<void> => (stopping ??= server.close());

  return {
    url,
    app,
    server,
    config,
    token: adminToken,
    admin: { id: adminRow.id, username: 'admin', token: adminToken },
    member: { id: member.id, username: member.username, token: memberToken },
    hypervisor,
    db,
    client: createGureumClient({ baseUrl: url, token: adminToken, WebSocket }),
    request,
    stopServer,
    async close() {
      await stopServer();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Adds a user straight through the repository (the users routes come later); its password is MEMBER_PASSWORD. */
export async function addUser(db: KyselyDatabase, username: string, role: User['role']): Promise<User> {
  const now = new Date().toISOString();
  const user: User = {
    id: randomUUID(),
    username,
    role,
    passwordHash: await hashPassword(MEMBER_PASSWORD),
    createdAt: now,
    updatedAt: now,
  };
  await db.users.insert(user);
  return user;
}

/** A new user of `role` (named `<prefix>-<random>`), logged in: its id and session token. */
export async function loginNewUser(
  h: Harness,
  role: User['role'],
  prefix = 'user',
): Promise<{ id: string; token: string }> {
  const user = await addUser(h.db, `${prefix}-${randomUUID().slice(0, 8)}`, role);
  const res = await h.request('POST', '/auth/login', {
    token: null,
    body: { username: user.username, password: MEMBER_PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`login: ${res.statusCode} ${res.body}`);
  return { id: user.id, token: res.json<{ token: string }>().token };
}

export const MiB = 1024 * 1024;

/** A minimal qcow2 v3 header (magic `QFI\xfb`, no backing file) of `virtualSizeBytes`, padded with zeros. */
export function qcow2Bytes(
  options: { virtualSizeBytes?: number; backingFile?: boolean; length?: number } = {},
): Buffer {
  const buf = Buffer.alloc(options.length ?? 64 * 1024);
  buf.write('QFI\xfb', 0, 'latin1');
  buf.writeUInt32BE(3, 4); // version
  buf.writeBigUInt64BE(options.backingFile ? 0x200n : 0n, 8); // backing_file_offset
  buf.writeUInt32BE(options.backingFile ? 8 : 0, 16); // backing_file_size
  if (options.backingFile) buf.write('/etc/shadow', 0x200, 'latin1');
  buf.writeUInt32BE(16, 20); // cluster_bits
  buf.writeBigUInt64BE(BigInt(options.virtualSizeBytes ?? 64 * MiB), 24);
  buf.writeUInt32BE(104, 100); // header_length
  return buf;
}

/** An ISO 9660 image: the primary volume descriptor's `CD001` at 32 KiB + 1. */
export function isoBytes(): Buffer {
  const buf = Buffer.alloc(0x8800);
  buf.writeUInt8(1, 0x8000);
  buf.write('CD001', 0x8001, 'latin1');
  return buf;
}

/** Creates an image and uploads `bytes` (a small qcow2 by default); returns its id once it is `ready`. */
export async function uploadImage(
  h: Harness,
  options: { token?: string; name?: string; kind?: 'disk' | 'iso'; bytes?: Buffer } = {},
): Promise<string> {
  const token = options.token ?? h.token;
  const created = await h.request('POST', '/images', {
    token,
    body: { name: options.name ?? `img-${randomUUID().slice(0, 8)}`, kind: options.kind ?? 'disk' },
  });
  if (created.statusCode !== 201) throw new Error(`create image: ${created.statusCode} ${created.body}`);
  const id = created.json<{ id: string }>().id;
  const uploaded = await h.app.inject({
    method: 'PUT',
    url: `${BASE_PATH}/images/${id}/content`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    payload: options.bytes ?? qcow2Bytes(),
  });
  if (uploaded.statusCode !== 200) throw new Error(`upload image: ${uploaded.statusCode} ${uploaded.body}`);
  return id;
}

export interface VmBody {
  name: string;
  vcpus: number;
  memoryBytes: number;
  source: { imageId: string };
  start?: boolean;
  description?: string;
  tags?: string[];
  /** Create for this user (admins). */
  ownerId?: string;
}

export function vmBody(imageId: string, overrides: Partial<VmBody> = {}): VmBody {
  return {
    name: `vm-${randomUUID().slice(0, 8)}`,
    vcpus: 1,
    memoryBytes: 128 * MiB,
    source: { imageId },
    ...overrides,
  };
}

/** A VM wire object (only the fields tests read). */
export interface VmJson {
  id: string;
  name: string;
  state: string;
  ownerId: string;
  vcpus: number;
  memoryBytes: number;
  description: string;
  tags: string[];
  disks: { id: string; volumeId?: string }[];
}

/** Creates a VM with `?wait=true` and returns it (201). */
export async function createVm(
  h: Harness,
  imageId: string,
  overrides: Partial<VmBody> = {},
  token: string = h.token,
): Promise<VmJson> {
  const res = await h.request('POST', '/vms', {
    token,
    body: vmBody(imageId, overrides),
    query: { wait: 'true' },
  });
  if (res.statusCode !== 201) throw new Error(`create VM: ${res.statusCode} ${res.body}`);
  return res.json<VmJson>();
}

/** Every row of the tables a refused request must not touch, plus the fake's VMs and volumes. */
export async function snapshotState(h: Harness): Promise<unknown> {
  const k = h.db.kysely;
  return {
    vms: await k.selectFrom('vms').selectAll().orderBy('id').execute(),
    volumes: await k.selectFrom('volumes').selectAll().orderBy('id').execute(),
    images: await k.selectFrom('images').selectAll().orderBy('id').execute(),
    tasks: await k.selectFrom('tasks').selectAll().orderBy('id').execute(),
    fakeVms: [...h.hypervisor.vms.entries()].map(([id, vm]) => [id, vm.spec, vm.state]),
    fakeVolumes: [...h.hypervisor.volumes.keys()].sort(),
  };
}

/** Opens the events WebSocket and authenticates; frames are collected in `messages`. */
export interface EventsClient {
  ws: WebSocket;
  messages: Record<string, unknown>[];
  /** The close code and reason once closed. */
  closed: Promise<{ code: number; reason: string }>;
  /** Resolves with the first frame (from `from`, default the next one) that matches. */
  next(
    predicate: (m: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  close(): void;
}

export function eventsUrl(h: Harness, query: Record<string, string> = {}): string {
  const q = new URLSearchParams(query).toString();
  return `${h.url.replace(/^http/, 'ws')}${BASE_PATH}/events${q ? `?${q}` : ''}`;
}

/** Connects to the events WebSocket; with `token` (not null) sends the auth message once open. */
export function connectEvents(
  h: Harness,
  options: { token?: string | null; query?: Record<string, string> } = {},
): Promise<EventsClient> {
  const ws = new WebSocket(eventsUrl(h, options.query));
  const messages: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    for (const w of waiters) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code: number, reason: Buffer) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const w of waiters) w();
    });
  });
  const client: EventsClient = {
    ws,
    messages,
    closed,
    next(predicate, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = messages.find(predicate);
          if (found) {
            finish();
            resolve(found);
          } else if (ws.readyState === WebSocket.CLOSED) {
            finish();
            reject(new Error(`socket closed; got ${JSON.stringify(messages)}`));
          }
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
        }, timeoutMs);
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => ws.close(),
  };
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => {
      const token = options.token === undefined ? h.token : options.token;
      if (token !== null) ws.send(JSON.stringify({ type: 'auth', token }));
      resolve(client);
    });
  });
}

export interface ProblemJson {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: { path: string; message: string }[];
}

/**
 * Asserts an RFC 9457 problem response: status, `application/problem+json`, every field, `code`, and the
 * `x-request-id` header equal to `requestId`. Returns the problem.
 */
export function expectProblem(res: LightMyRequestResponse, status: number, code: string): ProblemJson {
  const problem = res.json<ProblemJson>();
  expect({ status: res.statusCode, code: problem.code }, res.body).toEqual({ status, code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^https:\/\/gureum\.dev\/errors#[a-z0-9-]+$/) as unknown,
    title: expect.any(String) as unknown,
    status,
    detail: expect.any(String) as unknown,
    instance: expect.stringMatching(/^\//) as unknown,
    requestId: expect.any(String) as unknown,
  });
  expect(problem.requestId).not.toBe('');
  expect(res.headers['x-request-id']).toBe(problem.requestId);
  return problem;
}
