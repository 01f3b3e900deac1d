import { GiB, MiB } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import { INITIAL_FORM, quotaLines, validateCreateVm } from '../features/vms/create-vm-form';
import { formatBytes, toBytes } from './format';
import { resourceNameProblem, vmNameProblem } from './names';
import { SessionStore } from './session';

describe('vmNameProblem (the contract rule, said in words)', () => {
  it.each([
    ['web-1', null],
    ['a', null],
    ['x'.repeat(63), null],
    ['', 'A name is required.'],
    ['Web', 'Use lowercase letters only.'],
    ['web_1', 'Only lowercase letters, digits and hyphens (-) are allowed.'],
    ['-web', 'The name must start and end with a letter or digit.'],
    ['web-', 'The name must start and end with a letter or digit.'],
    ['x'.repeat(64), 'At most 63 characters (this one has 64).'],
    ['0b4f3b8e-1111-2222-3333-444455556666', 'A name cannot look like a VM id (a UUID).'],
  ])('%s → %s', (name, problem) => {
    expect(vmNameProblem(name)).toBe(problem);
  });

  it('uses the same rule for other resources, UUID shapes allowed', () => {
    expect(resourceNameProblem('0b4f3b8e-1111-2222-3333-444455556666')).toBeNull();
    expect(resourceNameProblem('Debian')).not.toBeNull();
  });
});

describe('sizes', () => {
  it('converts typed sizes to bytes, whole MiB', () => {
    expect(toBytes('512', 'MiB')).toBe(512 * MiB);
    expect(toBytes('1.5', 'GiB')).toBe(1536 * MiB);
    expect(toBytes(' 2 ', 'GiB')).toBe(2 * GiB);
    expect(toBytes('0', 'GiB')).toBeNull();
    expect(toBytes('-1', 'MiB')).toBeNull();
    expect(toBytes('1e3', 'MiB')).toBeNull();
    expect(toBytes('abc', 'MiB')).toBeNull();
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(512 * MiB)).toBe('512 MiB');
    expect(formatBytes(1536 * MiB)).toBe('1.5 GiB');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(undefined)).toBe('—');
  });
});

describe('validateCreateVm', () => {
  const valid = { ...INITIAL_FORM, name: 'web-1', imageId: 'img-1' };

  it('builds the POST /vms body from a valid form', () => {
    const { errors, body } = validateCreateVm({
      ...valid,
      tags: 'web, prod web',
      memory: '1',
      memoryUnit: 'GiB',
    });
    expect(errors).toEqual({});
    expect(body).toEqual({
      name: 'web-1',
      vcpus: 1,
      memoryBytes: GiB,
      source: { imageId: 'img-1' },
      start: true,
      tags: ['web', 'prod'],
    });
  });

  it('builds a blank disk + ISO source', () => {
    const { body } = validateCreateVm({
      ...valid,
      source: 'iso',
      isoImageId: 'iso-1',
      diskSize: '20',
      diskUnit: 'GiB',
    });
    expect(body?.source).toEqual({ blank: { sizeBytes: 20 * GiB }, isoImageId: 'iso-1' });
  });

  it('refuses what the API would refuse, field by field', () => {
    const { errors, body } = validateCreateVm({
      ...INITIAL_FORM,
      name: 'Bad Name',
      vcpus: '0',
      memory: '32',
      tags: 'Web',
    });
    expect(body).toBeNull();
    expect(Object.keys(errors).sort()).toEqual(['imageId', 'memory', 'name', 'tags', 'vcpus']);
    expect(errors.memory).toBe('At least 64 MiB.');
  });

  it('warns about the quota before submitting', () => {
    const usage = {
      vms: 2,
      vcpus: 3,
      memoryBytes: GiB,
      diskBytes: 0,
      quota: { maxVms: 3, maxVcpus: 4, maxMemoryBytes: null, maxDiskBytes: null },
    };
    const lines = quotaLines(usage, { vcpus: 2, memoryBytes: GiB, source: { imageId: 'i' } });
    expect(lines.map((l) => [l.label, l.over])).toEqual([
      ['VMs', false],
      ['vCPUs', true],
      ['Memory', false],
      ['Disk', false],
    ]);
  });
});

describe('SessionStore', () => {
  function memoryStorage() {
    const map = new Map<string, string>();
    return {
      getItem: (k: string) => map.get(k) ?? null,
      setItem: (k: string, v: string) => void map.set(k, v),
      removeItem: (k: string) => void map.delete(k),
      map,
    };
  }

  it('keeps the session in sessionStorage across a reload, and drops an expired one', () => {
    const storage = memoryStorage();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    new SessionStore(storage).signIn({ token: 'tok', expiresAt: future, username: 'ada' });
    expect(new SessionStore(storage).current?.token).toBe('tok');
    const later = () => Date.now() + 7_200_000;
    expect(new SessionStore(storage, later).current).toBeNull();
    expect(storage.map.size).toBe(0);
  });

  it('signs out with a message and tells its subscribers', () => {
    const store = new SessionStore(memoryStorage());
    const future = new Date(Date.now() + 3_600_000).toISOString();
    store.signIn({ token: 'tok', expiresAt: future, username: 'ada' });
    let calls = 0;
    store.subscribe(() => calls++);
    store.signOut('Your session expired.');
    expect(store.current).toBeNull();
    expect(store.message).toBe('Your session expired.');
    expect(calls).toBe(1);
  });

  it('ends the session by itself when it expires', async () => {
    const store = new SessionStore(memoryStorage());
    store.signIn({ token: 'tok', expiresAt: new Date(Date.now() + 30).toISOString(), username: 'ada' });
    await new Promise((r) => setTimeout(r, 80));
    expect(store.current).toBeNull();
    expect(store.message).toMatch(/expired/);
  });
});
