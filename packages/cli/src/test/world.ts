// An in-memory Gureum behind the FakeApi: VMs, images, tasks (which run for `taskMs` and honour ?wait=true),
// users, tokens and quotas, in the contract's shapes. Enough for the CLI's commands to run end to end.
import {
  isTaskFinished,
  type DeletePlan,
  type Problem,
  type Image,
  type Quota,
  type Task,
  type TaskKind,
  type Token,
  type User,
  type Vm,
  type VmCreate,
} from '@gureum/contract';
import { FakeApi, problem, sha256, type Reply } from './fake-api.js';

export const T0 = '2025-01-01T00:00:00.000Z';
export const ADMIN_TOKEN = 'tok-admin';

let seq = 0;
const nextId = (prefix: string): string => `${prefix}_${++seq}`;
const uuid = (): string => `0b6c8e0e-3c7a-4d55-9a61-${String(++seq).padStart(12, '0')}`;

export function vm(overrides: Partial<Vm> = {}): Vm {
  return {
    id: uuid(),
    name: 'web-1',
    description: '',
    tags: [],
    ownerId: 'usr_admin',
    state: 'stopped',
    vcpus: 1,
    memoryBytes: 512 * 1024 * 1024,
    firmware: 'bios',
    bootOrder: 'hd',
    installation: { status: 'installed' },
    disks: [],
    media: null,
    nics: [],
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

export function image(overrides: Partial<Image> = {}): Image {
  return {
    id: nextId('img'),
    name: 'debian-12',
    kind: 'disk',
    status: 'ready',
    ownerId: 'usr_admin',
    createdAt: T0,
    updatedAt: T0,
    ...overrides,
  };
}

const ADMIN: User = { id: 'usr_admin', username: 'admin', role: 'admin', createdAt: T0 };

/** The largest page the fake serves (tests lower it to make the CLI follow cursors). */
export const paging = { cap: 500 };

function page<T>(items: readonly T[], query: URLSearchParams): { items: T[]; nextCursor: string | null } {
  const start = Number(query.get('cursor') ?? '0');
  const limit = Math.min(paging.cap, Number(query.get('limit') ?? '100'));
  const end = start + limit;
  return { items: items.slice(start, end), nextCursor: end < items.length ? String(end) : null };
}

const json = (status: number, body?: unknown): Reply => ({ status, ...(body === undefined ? {} : { body }) });

export class World {
  readonly vms = new Map<string, Vm>();
  readonly images = new Map<string, Image>();
  readonly tasks = new Map<string, Task>();
  readonly users = new Map<string, User>([[ADMIN.id, ADMIN]]);
  readonly tokens = new Map<string, Token>();
  readonly quotas = new Map<string, Quota>();
  /** The bytes each image received. */
  readonly uploads = new Map<string, Buffer>();
  /** How long a task runs. */
  taskMs = 150;
  /** When set, the next task fails with this problem. */
  failNext: Problem | undefined;
  private readonly waiters = new Map<string, (() => void)[]>();

  constructor(readonly api: FakeApi) {
    this.routesSystem();
    this.routesVms();
    this.routesTasks();
    this.routesImages();
  }

  addVm(overrides: Partial<Vm> = {}): Vm {
    const v = vm(overrides);
    this.vms.set(v.id, v);
    return v;
  }

  findVm(idOrName: string): Vm | undefined {
    return this.vms.get(idOrName) ?? [...this.vms.values()].find((v) => v.name === idOrName);
  }

  /** Starts a task that runs for `taskMs`, then applies `effect` (its result) and ends `succeeded`. */
  runTask(kind: TaskKind, resource: Task['resource'], effect: () => unknown): Task {
    const t: Task = {
      id: nextId('tsk'),
      kind,
      status: 'queued',
      progress: 0,
      resource,
      actorId: 'usr_admin',
      createdAt: T0,
    };
    this.tasks.set(t.id, t);
    const failure = this.failNext;
    this.failNext = undefined;
    setTimeout(
      () => this.update(t.id, { status: 'running', progress: 0.5, message: 'working', startedAt: T0 }),
      this.taskMs / 3,
    );
    setTimeout(() => {
      if (failure) this.update(t.id, { status: 'failed', progress: 1, finishedAt: T0, error: failure });
      else this.update(t.id, { status: 'succeeded', progress: 1, finishedAt: T0, result: effect() });
    }, this.taskMs);
    return t;
  }

  private update(id: string, patch: Partial<Task>): void {
    const t = this.tasks.get(id);
    if (!t || isTaskFinished(t)) return;
    const next = { ...t, ...patch };
    this.tasks.set(id, next);
    if (isTaskFinished(next)) for (const wake of this.waiters.get(id) ?? []) wake();
  }

  private async waitFor(id: string, ms: number): Promise<void> {
    const t = this.tasks.get(id);
    if (!t || isTaskFinished(t)) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.set(id, [...(this.waiters.get(id) ?? []), wake]);
    });
  }

  private routesSystem(): void {
    const { api } = this;
    api.on('getHealth', () => json(200, { status: 'ok', libvirt: 'up', database: 'up', version: '0.1.0' }));
    api.on('login', (req) => {
      const body = req.json as { username?: string; password?: string };
      if (body.username !== 'admin' || body.password !== 'correct horse')
        return problem('INVALID_CREDENTIALS', 'wrong username or password');
      api.tokens.add('tok-session');
      return json(200, { token: 'tok-session', expiresAt: '2030-01-01T00:00:00.000Z' });
    });
    api.on('logout', (req) => {
      api.tokens.delete(req.headers.authorization?.slice('Bearer '.length) ?? '');
      return json(204);
    });
    api.on('getMe', () => json(200, ADMIN));
    api.on('changeMyPassword', (req) => {
      const body = req.json as { currentPassword?: string };
      if (body.currentPassword !== 'correct horse')
        return problem('PASSWORD_INCORRECT', 'the current password is wrong; the password was not changed');
      return json(204);
    });
    api.on('getMyUsage', () =>
      json(200, {
        vms: this.vms.size,
        vcpus: 2,
        memoryBytes: 2 ** 30,
        diskBytes: 10 * 2 ** 30,
        quota: this.quota(ADMIN.id),
      }),
    );
    api.on('listUsers', (req) => json(200, page([...this.users.values()], req.query)));
    api.on('createUser', (req) => {
      const body = req.json as { username: string; role: User['role'] };
      const u: User = { id: nextId('usr'), username: body.username, role: body.role, createdAt: T0 };
      this.users.set(u.id, u);
      return json(201, u);
    });
    api.on('getUser', (_req, p) =>
      this.users.has(p['id'] ?? '')
        ? json(200, this.users.get(p['id'] ?? ''))
        : problem('USER_NOT_FOUND', 'no such user'),
    );
    api.on('updateUser', (req, p) => {
      const u = this.users.get(p['id'] ?? '');
      if (!u) return problem('USER_NOT_FOUND', 'no such user');
      const next = { ...u, ...(req.json as Partial<User>) };
      delete (next as { password?: string }).password;
      this.users.set(u.id, next);
      return json(200, next);
    });
    api.on('deleteUser', (_req, p) =>
      this.users.delete(p['id'] ?? '') ? json(204) : problem('USER_NOT_FOUND', 'no such user'),
    );
    api.on('getUserQuota', (_req, p) => json(200, this.quota(p['id'] ?? '')));
    api.on('setUserQuota', (req, p) => {
      this.quotas.set(p['id'] ?? '', req.json as Quota);
      return json(200, req.json);
    });
    api.on('listTokens', () => json(200, { items: [...this.tokens.values()] }));
    api.on('createToken', (req) => {
      const body = req.json as { name: string; expiresAt?: string };
      const t: Token = {
        id: nextId('tok'),
        name: body.name,
        createdAt: T0,
        expiresAt: body.expiresAt ?? null,
        lastUsedAt: null,
      };
      this.tokens.set(t.id, t);
      return json(201, { id: t.id, name: t.name, token: 'gur_secret_123', expiresAt: t.expiresAt });
    });
    api.on('deleteToken', (_req, p) =>
      this.tokens.delete(p['id'] ?? '') ? json(204) : problem('TOKEN_NOT_FOUND', 'no such token'),
    );
    api.on('listAuditEvents', (req) =>
      json(
        200,
        page(
          [
            {
              id: 'aud_1',
              time: T0,
              actorId: 'usr_admin',
              action: 'vm.create',
              resource: { kind: 'vm', id: 'x' },
              outcome: 'succeeded',
            },
          ],
          req.query,
        ),
      ),
    );
  }

  private quota(userId: string): Quota {
    return (
      this.quotas.get(userId) ?? { maxVms: null, maxVcpus: null, maxMemoryBytes: null, maxDiskBytes: null }
    );
  }

  private routesVms(): void {
    const { api } = this;
    api.on('listVms', (req) => {
      const state = req.query.get('state');
      const q = req.query.get('q');
      const items = [...this.vms.values()].filter(
        (v) => (!state || v.state === state) && (!q || v.name.includes(q)),
      );
      return json(200, page(items, req.query));
    });
    api.on('getVm', (_req, p) => {
      const v = this.findVm(p['idOrName'] ?? '');
      return v
        ? json(200, v)
        : problem('VM_NOT_FOUND', `No VM you may see has the id or name "${p['idOrName'] ?? ''}".`);
    });
    api.on('createVm', (req) => {
      const body = req.json as VmCreate;
      if (this.findVm(body.name)) return problem('VM_NAME_TAKEN', `a VM named ${body.name} exists`);
      const v = vm({
        name: body.name,
        vcpus: body.vcpus,
        memoryBytes: body.memoryBytes,
        tags: body.tags ?? [],
        description: body.description ?? '',
        ...(body.ownerId === undefined ? {} : { ownerId: body.ownerId }),
      });
      const t = this.runTask('vm.create', { kind: 'vm', id: v.id }, () => {
        const created = { ...v, state: body.start ? ('running' as const) : ('stopped' as const) };
        this.vms.set(v.id, created);
        return created;
      });
      return json(202, { task: t });
    });
    api.on('updateVm', (req, p) => {
      const v = this.findVm(p['idOrName'] ?? '');
      if (!v) return problem('VM_NOT_FOUND', 'no such VM');
      const next = { ...v, ...(req.json as Partial<Vm>) };
      this.vms.set(v.id, next);
      return json(200, next);
    });
    api.on('deleteVm', (req, p) => {
      const v = this.findVm(p['idOrName'] ?? '');
      if (!v) return problem('VM_NOT_FOUND', 'no such VM');
      if (req.query.get('dryRun') === 'true') {
        const plan: DeletePlan = {
          wouldDelete: [
            { kind: 'vm', id: v.id, name: v.name },
            { kind: 'volume', id: 'vol_1', name: `${v.name}-disk0` },
          ],
        };
        return json(200, plan);
      }
      return json(202, {
        task: this.runTask('vm.delete', { kind: 'vm', id: v.id }, () => void this.vms.delete(v.id)),
      });
    });
    const action =
      (kind: TaskKind, state: Vm['state']) => (_req: unknown, p: Readonly<Record<string, string>>) => {
        const v = this.vms.get(p['id'] ?? '');
        if (!v) return problem('VM_NOT_FOUND', 'no such VM');
        return json(202, {
          task: this.runTask(kind, { kind: 'vm', id: v.id }, () =>
            this.vms.set(v.id, { ...v, state }).get(v.id),
          ),
        });
      };
    api.on('startVm', action('vm.start', 'running'));
    api.on('stopVm', action('vm.stop', 'stopped'));
    api.on('forceStopVm', action('vm.force-stop', 'stopped'));
    api.on('rebootVm', action('vm.reboot', 'running'));
    api.on('resetVm', action('vm.reset', 'running'));
    api.on('pauseVm', action('vm.pause', 'paused'));
    api.on('resumeVm', action('vm.resume', 'running'));
  }

  private routesTasks(): void {
    const { api } = this;
    api.on('getTask', async (req, p) => {
      const id = p['id'] ?? '';
      if (!this.tasks.has(id)) return problem('TASK_NOT_FOUND', 'no such task');
      if (req.query.get('wait') === 'true')
        await this.waitFor(id, Number(req.query.get('timeoutMs') ?? '30000'));
      return json(200, this.tasks.get(id));
    });
    api.on('listTasks', (req) => {
      const resource = req.query.get('resource');
      const kind = req.query.get('kind');
      const items = [...this.tasks.values()].filter(
        (t) => (!resource || t.resource.id === resource) && (!kind || t.kind === kind),
      );
      return json(200, page(items.reverse(), req.query));
    });
    api.on('cancelTask', (_req, p) => {
      const t = this.tasks.get(p['id'] ?? '');
      if (!t) return problem('TASK_NOT_FOUND', 'no such task');
      this.update(t.id, { status: 'cancelled', finishedAt: T0 });
      return json(200, this.tasks.get(t.id));
    });
  }

  private routesImages(): void {
    const { api } = this;
    api.on('createImage', (req) => {
      const body = req.json as { name: string; kind: Image['kind']; source?: Image['source'] };
      if ([...this.images.values()].some((i) => i.name === body.name))
        return problem('IMAGE_NAME_TAKEN', `an image named ${body.name} exists`);
      const img = image({
        name: body.name,
        kind: body.kind,
        status: 'uploading',
        ...(body.source ? { source: body.source } : {}),
      });
      this.images.set(img.id, img);
      if (body.source)
        this.runTask('image.import', { kind: 'image', id: img.id }, () => {
          this.images.set(img.id, { ...img, status: 'ready', sizeBytes: 1024, sha256: 'a'.repeat(64) });
        });
      return json(201, img);
    });
    api.on('uploadImageContent', (req, p) => {
      const img = this.images.get(p['id'] ?? '');
      if (!img) return problem('IMAGE_NOT_FOUND', 'no such image');
      this.uploads.set(img.id, req.body);
      const done: Image = {
        ...img,
        status: 'ready',
        format: 'qcow2',
        sizeBytes: req.body.length,
        sha256: sha256(req.body),
      };
      this.images.set(img.id, done);
      return json(200, done);
    });
    api.on('getImage', (_req, p) => {
      const img = this.images.get(p['id'] ?? '');
      return img ? json(200, img) : problem('IMAGE_NOT_FOUND', 'no such image');
    });
    api.on('listImages', (req) => json(200, page([...this.images.values()], req.query)));
    api.on('deleteImage', (req, p) => {
      const img = this.images.get(p['id'] ?? '');
      if (!img) return problem('IMAGE_NOT_FOUND', 'no such image');
      if (req.query.get('dryRun') === 'true')
        return json(200, { wouldDelete: [{ kind: 'image', id: img.id, name: img.name }] });
      this.images.delete(img.id);
      return json(204);
    });
  }
}
