import { describe, expect, it } from 'vitest';
import { vmFixture, vmId } from '../test/fixtures';
import { DEFAULT_VIEW, allTags, primaryAddress, searchFromView, selectVms, viewFromSearch } from './vm-view';

const nic = (address: string) => ({
  id: 'n1',
  networkId: 'net',
  mac: '52:54:00:00:00:01',
  ips: [{ address, source: 'lease' as const }],
});
const vms = [
  vmFixture({ id: vmId(1), name: 'web-1', state: 'running', tags: ['web'], vcpus: 2, ownerId: 'u-b' }),
  vmFixture({ id: vmId(2), name: 'db-1', state: 'stopped', tags: ['db'], vcpus: 4, ownerId: 'u-a' }),
  vmFixture({
    id: vmId(3),
    name: 'web-2',
    state: 'paused',
    tags: ['web', 'prod'],
    description: 'Front end',
    nics: [nic('192.168.122.10')],
    ownerId: 'u-a',
  }),
];
const names = (list: { name: string }[]) => list.map((v) => v.name);

describe('selectVms', () => {
  it('sorts by name by default, and backwards', () => {
    expect(names(selectVms(vms, DEFAULT_VIEW))).toEqual(['db-1', 'web-1', 'web-2']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, direction: 'desc' }))).toEqual(['web-2', 'web-1', 'db-1']);
  });

  it('filters by state, tag and owner', () => {
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, state: 'running' }))).toEqual(['web-1']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, tag: 'web' }))).toEqual(['web-1', 'web-2']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, ownerId: 'u-a' }))).toEqual(['db-1', 'web-2']);
  });

  it('searches name, description, tag and address', () => {
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, q: 'front' }))).toEqual(['web-2']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, q: 'prod' }))).toEqual(['web-2']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, q: '122.10' }))).toEqual(['web-2']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, q: 'DB' }))).toEqual(['db-1']);
  });

  it('sorts by state (running first), vCPUs and owner name, ties by name', () => {
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, sort: 'state' }))).toEqual(['web-1', 'web-2', 'db-1']);
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, sort: 'vcpus', direction: 'desc' }))).toEqual([
      'db-1',
      'web-1',
      'web-2',
    ]);
    const owner = (id: string) => (id === 'u-a' ? 'alice' : 'bob');
    expect(names(selectVms(vms, { ...DEFAULT_VIEW, sort: 'owner' }, owner))).toEqual([
      'db-1',
      'web-2',
      'web-1',
    ]);
  });
});

describe('view in the URL', () => {
  it('round-trips and ignores unknown values', () => {
    const view = {
      ...DEFAULT_VIEW,
      q: 'web',
      state: 'running' as const,
      sort: 'memory' as const,
      direction: 'desc' as const,
    };
    expect(viewFromSearch(searchFromView(view))).toEqual(view);
    expect(searchFromView(DEFAULT_VIEW).toString()).toBe('');
    expect(viewFromSearch(new URLSearchParams('state=exploded&sort=color'))).toEqual(DEFAULT_VIEW);
  });
});

describe('helpers', () => {
  it('lists tags and the first address', () => {
    expect(allTags(vms)).toEqual(['db', 'prod', 'web']);
    expect(primaryAddress(vms[2] ?? vms[0] ?? vmFixture({ id: vmId(9), name: 'x' }))).toBe('192.168.122.10');
  });
});
