import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import {
  EventEnvelope,
  EventsAuthMessage,
  EventsServerMessage,
  ImageCreate,
  LoginRequest,
  NetworkCreate,
  Problem,
  Task,
  TokenCreate,
  UserCreate,
  Vm,
  VmCreate,
  VmDiskResize,
  VmIdOrNameParams,
  VmListQuery,
  VmStopOptions,
  VmUpdate,
  VolumeCreate,
  eventTypes,
  GiB,
  MiB,
  TiB,
  problemTypeUri,
} from './index.js';

const UUID = '0b6c8e0e-3c7a-4d55-9a61-2f0c8b7e1a42';

function errorPaths(schema: TSchema, value: unknown): string[] {
  return [...Value.Errors(schema, value)].map((e) => e.path);
}

const goodCreate = {
  name: 'web-1',
  vcpus: 2,
  memoryBytes: 2 * GiB,
  source: { imageId: 'img_01' },
};

const HOSTILE_NAMES = [
  '../x',
  'a/b',
  '..',
  '.',
  'Web',
  'WEB-1',
  'a b',
  ' web',
  'web ',
  '<x>',
  '"x"',
  "o'x",
  'a&b',
  'a;b',
  'a\\b',
  'a\nb',
  '-web',
  'web-',
  'a_b',
  'a.b',
  'x'.repeat(64),
  'x'.repeat(300),
  '',
  'vm-ü',
  'ｗｅｂ',
  'web\u0000',
  '🚀',
  '%2e%2e',
];

describe('names', () => {
  it.each(HOSTILE_NAMES)('rejects the VM name %j', (name) => {
    expect(Value.Check(VmCreate, { ...goodCreate, name })).toBe(false);
    expect(errorPaths(VmCreate, { ...goodCreate, name })).toContain('/name');
  });

  it.each(HOSTILE_NAMES)('rejects the image, network and volume name %j', (name) => {
    expect(Value.Check(ImageCreate, { name, kind: 'iso' })).toBe(false);
    expect(Value.Check(NetworkCreate, { name, mode: 'nat' })).toBe(false);
    expect(Value.Check(VolumeCreate, { name, sizeBytes: GiB })).toBe(false);
  });

  it.each(['a', 'web-1', '0', 'a1-b2-c3', 'x'.repeat(63)])('accepts the DNS label %j', (name) => {
    expect(Value.Check(VmCreate, { ...goodCreate, name })).toBe(true);
  });

  it('rejects UUID-shaped VM names, which would make /vms/{idOrName} ambiguous', () => {
    expect(Value.Check(VmCreate, { ...goodCreate, name: UUID })).toBe(false);
    expect(Value.Check(VmIdOrNameParams, { idOrName: UUID })).toBe(true);
    expect(Value.Check(VmIdOrNameParams, { idOrName: 'web-1' })).toBe(true);
    expect(Value.Check(VmIdOrNameParams, { idOrName: '../etc' })).toBe(false);
  });
});

describe('VmCreate', () => {
  it('accepts a VM from an image and a VM installed from an ISO', () => {
    expect(Value.Check(VmCreate, goodCreate)).toBe(true);
    const install = {
      name: 'installer',
      vcpus: 1,
      memoryBytes: 512 * MiB,
      source: { blank: { sizeBytes: 8 * GiB }, isoImageId: 'img_iso' },
      networks: ['net_1'],
      start: true,
      description: 'an <unsafe> & "quoted" description is fine: it is text',
      tags: ['prod', 'team.web', 'k8s:node'],
      firmware: 'uefi',
      keepMediaAfterInstall: true,
    };
    expect(errorPaths(VmCreate, install)).toEqual([]);
  });

  it.each([
    ['memoryBytes', 63 * MiB],
    ['memoryBytes', TiB + 1],
    ['memoryBytes', 1.5 * GiB + 0.5],
    ['memoryBytes', -1],
    ['memoryBytes', '2G'],
    ['vcpus', 0],
    ['vcpus', 257],
    ['vcpus', 1.5],
    ['vcpus', Number.MAX_SAFE_INTEGER],
  ])('rejects %s = %j', (field, value) => {
    expect(errorPaths(VmCreate, { ...goodCreate, [field]: value })).toContain(`/${field}`);
  });

  it.each([0, MiB - 1, 16 * TiB + 1, 1e30])('rejects a blank disk of %d bytes', (sizeBytes) => {
    const body = { ...goodCreate, source: { blank: { sizeBytes }, isoImageId: 'img_iso' } };
    expect(Value.Check(VmCreate, body)).toBe(false);
  });

  it('rejects unknown fields at every level', () => {
    expect(errorPaths(VmCreate, { ...goodCreate, admin: true })).not.toEqual([]);
    expect(Value.Check(VmCreate, { ...goodCreate, source: { imageId: 'img_01', path: '/etc/passwd' } })).toBe(
      false,
    );
    const blank = { blank: { sizeBytes: GiB, format: 'raw' }, isoImageId: 'img_iso' };
    expect(Value.Check(VmCreate, { ...goodCreate, source: blank })).toBe(false);
  });

  it('rejects a source that mixes both forms, or none', () => {
    expect(Value.Check(VmCreate, { ...goodCreate, source: {} })).toBe(false);
    const both = { imageId: 'img_01', blank: { sizeBytes: GiB }, isoImageId: 'img_iso' };
    expect(Value.Check(VmCreate, { ...goodCreate, source: both })).toBe(false);
  });

  it('rejects host paths and traversal where ids are expected', () => {
    for (const imageId of ['/var/lib/images/x.qcow2', '../x', 'a/b', '', 'x'.repeat(65)]) {
      expect(Value.Check(VmCreate, { ...goodCreate, source: { imageId } })).toBe(false);
    }
  });

  it('bounds tags and description', () => {
    expect(
      Value.Check(VmCreate, { ...goodCreate, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }),
    ).toBe(false);
    expect(Value.Check(VmCreate, { ...goodCreate, tags: ['a', 'a'] })).toBe(false);
    expect(Value.Check(VmCreate, { ...goodCreate, tags: ['Has Space'] })).toBe(false);
    expect(Value.Check(VmCreate, { ...goodCreate, description: 'x'.repeat(1025) })).toBe(false);
    expect(Value.Check(VmCreate, { ...goodCreate, description: 'x'.repeat(1024) })).toBe(true);
  });

  it('requires name, vcpus, memoryBytes and source', () => {
    expect(errorPaths(VmCreate, {}).sort()).toEqual(
      expect.arrayContaining(['/memoryBytes', '/name', '/source', '/vcpus']),
    );
  });
});

describe('other request bodies', () => {
  it('VmUpdate is partial and strict', () => {
    expect(Value.Check(VmUpdate, {})).toBe(true);
    expect(Value.Check(VmUpdate, { vcpus: 4, memoryBytes: 4 * GiB, tags: [], description: '' })).toBe(true);
    expect(Value.Check(VmUpdate, { name: 'renamed' })).toBe(false);
    expect(Value.Check(VmUpdate, { vcpus: 0 })).toBe(false);
  });

  it('VmStopOptions bounds its timeout', () => {
    expect(Value.Check(VmStopOptions, {})).toBe(true);
    expect(Value.Check(VmStopOptions, { force: true, timeoutMs: 1000 })).toBe(true);
    expect(Value.Check(VmStopOptions, { timeoutMs: 999 })).toBe(false);
    expect(Value.Check(VmStopOptions, { timeoutMs: 600_001 })).toBe(false);
    expect(Value.Check(VmStopOptions, { force: 'yes' })).toBe(false);
  });

  it('VmDiskResize bounds the size', () => {
    expect(Value.Check(VmDiskResize, { sizeBytes: 20 * GiB })).toBe(true);
    expect(Value.Check(VmDiskResize, { sizeBytes: 17 * TiB })).toBe(false);
  });

  it('ImageCreate accepts only http(s) sources with a well-formed digest', () => {
    expect(
      Value.Check(ImageCreate, {
        name: 'debian',
        kind: 'disk',
        source: { url: 'https://x.example/d.qcow2' },
      }),
    ).toBe(true);
    for (const url of ['file:///etc/passwd', '/etc/passwd', 'ftp://x.example/a', 'https://', 'https://a b']) {
      expect(Value.Check(ImageCreate, { name: 'debian', kind: 'disk', source: { url } })).toBe(false);
    }
    const source = { url: 'https://x.example/a', sha256: 'ABC' };
    expect(Value.Check(ImageCreate, { name: 'debian', kind: 'disk', source })).toBe(false);
    expect(Value.Check(ImageCreate, { name: 'debian', kind: 'vhd' })).toBe(false);
  });

  it('users, login and tokens', () => {
    expect(Value.Check(UserCreate, { username: 'alice', password: 'correct horse', role: 'member' })).toBe(
      true,
    );
    expect(Value.Check(UserCreate, { username: 'alice', password: 'short', role: 'member' })).toBe(false);
    expect(Value.Check(UserCreate, { username: 'alice', password: 'correct horse', role: 'root' })).toBe(
      false,
    );
    expect(Value.Check(UserCreate, { username: '../alice', password: 'correct horse', role: 'member' })).toBe(
      false,
    );
    expect(Value.Check(LoginRequest, { username: 'Alice', password: 'x' })).toBe(true);
    expect(Value.Check(LoginRequest, { username: 'alice', password: 'x', remember: true })).toBe(false);
    expect(Value.Check(TokenCreate, { name: 'ci', expiresAt: '2030-01-01T00:00:00Z' })).toBe(true);
    expect(Value.Check(TokenCreate, { name: 'ci', expiresAt: 'tomorrow' })).toBe(false);
    expect(Value.Check(TokenCreate, { name: 'ci', expiresAt: '2030-13-45T00:00:00Z' })).toBe(false);
  });

  it('networks take an IPv4 CIDR', () => {
    expect(Value.Check(NetworkCreate, { name: 'lan', mode: 'nat', ipv4Cidr: '10.10.0.0/24' })).toBe(true);
    for (const ipv4Cidr of ['10.10.0.0', '10.10.0.0/33', '300.1.1.1/24', '10.0.0.0/24; rm -rf /']) {
      expect(Value.Check(NetworkCreate, { name: 'lan', mode: 'nat', ipv4Cidr })).toBe(false);
    }
  });
});

describe('VmListQuery', () => {
  const check = (query: Record<string, string>) =>
    Value.Check(VmListQuery, Value.Convert(VmListQuery, query));

  it('accepts limit 1..500 as strings converted the way the server coerces them', () => {
    expect(check({ limit: '1' })).toBe(true);
    expect(check({ limit: '500', state: 'running', tag: 'prod', q: 'web' })).toBe(true);
  });

  it.each(['0', '-1', '501', 'abc', ''])('rejects limit=%j', (limit) => {
    expect(check({ limit })).toBe(false);
  });

  it('rejects a fractional limit', () => {
    expect(Value.Check(VmListQuery, { limit: 1.5 })).toBe(false);
  });

  it('rejects an unknown state', () => {
    expect(check({ state: 'exploded' })).toBe(false);
  });

  it('defaults limit to 100', () => {
    expect(Value.Default(VmListQuery, {})).toEqual({ limit: 100 });
  });
});

describe('read models', () => {
  const vm = {
    id: UUID,
    name: 'web-1',
    description: '',
    tags: [],
    ownerId: 'usr_1',
    state: 'running',
    vcpus: 2,
    memoryBytes: 2 * GiB,
    firmware: 'bios',
    bootOrder: 'hd',
    installation: {
      status: 'installed',
      startedAt: '2025-01-01T00:00:00Z',
      finishedAt: '2025-01-01T00:10:00.123Z',
    },
    disks: [{ id: 'vda', device: 'disk', bus: 'virtio', sizeBytes: 10 * GiB, volumeId: 'vol_1' }],
    media: null,
    nics: [
      {
        id: 'nic_1',
        networkId: 'net_1',
        mac: '52:54:00:12:34:56',
        ips: [{ address: '10.0.0.2', source: 'lease' }],
      },
    ],
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt: '2025-01-01T00:00:00Z',
  };

  it('Vm matches the read model of API.md', () => {
    expect(errorPaths(Vm, vm)).toEqual([]);
    expect(Value.Check(Vm, { ...vm, media: { imageId: 'img_iso', name: 'debian.iso' } })).toBe(true);
    expect(Value.Check(Vm, { ...vm, state: 'on' })).toBe(false);
    expect(Object.keys(Vm.properties)).toEqual([
      'id',
      'name',
      'description',
      'tags',
      'ownerId',
      'state',
      'vcpus',
      'memoryBytes',
      'firmware',
      'bootOrder',
      'installation',
      'disks',
      'media',
      'nics',
      'createdAt',
      'updatedAt',
    ]);
  });

  it('a failed task carries a Problem', () => {
    const problem = {
      type: problemTypeUri('VM_INVALID_STATE'),
      title: 'VM in the wrong state',
      status: 409,
      detail: 'The VM is stopped.',
      instance: '/api/v1/tasks/tsk_1',
      code: 'VM_INVALID_STATE',
      requestId: 'req-1',
    };
    expect(Value.Check(Problem, problem)).toBe(true);
    expect(Value.Check(Problem, { ...problem, code: 'vm-not-found' })).toBe(false);
    const task = {
      id: 'tsk_1',
      kind: 'vm.start',
      status: 'failed',
      progress: 0.5,
      resource: { kind: 'vm', id: UUID },
      actorId: 'usr_1',
      createdAt: '2025-01-01T00:00:00Z',
      error: problem,
    };
    expect(errorPaths(Task, task)).toEqual([]);
    expect(Value.Check(Task, { ...task, progress: 1.5 })).toBe(false);
  });
});

describe('events', () => {
  const taskEvent = {
    id: 7,
    type: 'task.updated',
    time: '2025-01-01T00:00:00Z',
    resource: { kind: 'task', id: 'tsk_1' },
    data: {
      task: {
        id: 'tsk_1',
        kind: 'vm.start',
        status: 'running',
        progress: 0,
        resource: { kind: 'vm', id: UUID },
        actorId: 'usr_1',
        createdAt: '2025-01-01T00:00:00Z',
      },
    },
  };

  it('lists exactly the event types of API.md plus vm.suspended, image.deleted and sync.reset', () => {
    expect([...eventTypes].sort()).toEqual(
      [
        'vm.created',
        'vm.started',
        'vm.stopped',
        'vm.paused',
        'vm.resumed',
        'vm.crashed',
        'vm.suspended',
        'vm.deleted',
        'vm.updated',
        'vm.media-changed',
        'vm.installation-changed',
        'task.updated',
        'image.updated',
        'image.deleted',
        'drift.detected',
        'sync.reset',
      ].sort(),
    );
    for (const type of eventTypes) expect(type).toMatch(/^[a-z]+\.[a-z-]+$/);
  });

  it('checks envelopes and the WebSocket control messages', () => {
    expect(Value.Check(EventEnvelope, taskEvent)).toBe(true);
    expect(Value.Check(EventEnvelope, { ...taskEvent, type: 'vm.exploded' })).toBe(false);
    expect(Value.Check(EventEnvelope, { ...taskEvent, resource: { kind: 'vm', id: UUID } })).toBe(false);
    const reset = {
      id: 3,
      type: 'sync.reset',
      time: '2025-01-01T00:00:00Z',
      resource: { kind: 'system', id: 'events' },
      data: { reason: 'since_too_old', oldestId: 100 },
    };
    expect(Value.Check(EventEnvelope, reset)).toBe(true);
    expect(Value.Check(EventsServerMessage, { type: 'ready', lastEventId: 0 })).toBe(true);
    expect(Value.Check(EventsAuthMessage, { type: 'auth', token: 't' })).toBe(true);
    expect(Value.Check(EventsAuthMessage, { type: 'auth', token: '' })).toBe(false);
  });
});
