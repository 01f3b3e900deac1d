import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleSnapshotSpec } from '../testing/example-specs.js';
import { HOSTILE_STRINGS } from '../testing/hostile-strings.js';
import { buildDomainSnapshotXml, parseDomainSnapshotXml } from './domain-snapshot.js';

const fixture = (name: string): string => new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;

describe('domain snapshot', () => {
  it('builds the golden snapshot', async () => {
    await expect(buildDomainSnapshotXml(exampleSnapshotSpec())).toMatchFileSnapshot(
      fixture('domainsnapshot.xml'),
    );
  });

  it('round-trips', () => {
    const spec = exampleSnapshotSpec();
    expect(parseDomainSnapshotXml(buildDomainSnapshotXml(spec))).toEqual({
      name: spec.name,
      description: spec.description,
      memory: 'no',
      disks: [
        { target: 'vda', snapshot: 'internal' },
        { target: 'hdc', snapshot: 'no' },
      ],
    });
  });

  it('writes external disk and memory files', () => {
    const xml = buildDomainSnapshotXml({
      name: 's',
      memory: 'external',
      memoryFile: '/s/mem',
      disks: [{ target: 'vda', snapshot: 'external', file: '/s/vda.qcow2' }],
    });
    expect(parseDomainSnapshotXml(xml)).toEqual({
      name: 's',
      memory: 'external',
      memoryFile: '/s/mem',
      disks: [{ target: 'vda', snapshot: 'external', file: '/s/vda.qcow2' }],
    });
  });

  it('reads what libvirt wrote back, including the captured domain', () => {
    const parsed = parseDomainSnapshotXml(readFileSync(fixture('libvirt-snapshot.xml'), 'utf8'));
    expect(parsed).toMatchObject({
      name: 'snap1',
      description: 'first',
      state: 'shutoff',
      creationTime: new Date(1795458831 * 1000),
      memory: 'no',
      disks: [
        { target: 'vda', snapshot: 'internal' },
        { target: 'hdc', snapshot: 'no' },
      ],
    });
    expect(parsed.parent).toBeUndefined();
    expect(parsed.domain?.name).toBe('lvxml-cap-bios');
    expect(parsed.domain?.metadata?.vmId).toBe('6f1c9d9e-2b1a-4c3e-9f00-0123456789ab');
  });

  it('reads the parent snapshot', () => {
    const parsed = parseDomainSnapshotXml(
      '<domainsnapshot><name>b</name><parent><name>a</name></parent></domainsnapshot>',
    );
    expect(parsed.parent).toBe('a');
  });

  it.each(HOSTILE_STRINGS)('keeps %j intact in name and description', (value) => {
    const parsed = parseDomainSnapshotXml(
      buildDomainSnapshotXml({ name: value, description: value, memory: 'no' }),
    );
    expect(parsed).toMatchObject({ name: value, description: value });
  });

  it('refuses bad specs', () => {
    expect(() => buildDomainSnapshotXml({ name: '', memory: 'no' })).toThrow(/name/);
    expect(() => buildDomainSnapshotXml({ name: 's', memory: 'no', memoryFile: '/m' })).toThrow(/external/);
    expect(() =>
      buildDomainSnapshotXml({
        name: 's',
        memory: 'no',
        disks: [{ target: 'vda', snapshot: 'internal', file: '/x' }],
      }),
    ).toThrow(/external/);
    expect(() => buildDomainSnapshotXml({ name: 's', memory: 'maybe' as 'no' })).toThrow(/memory/);
  });
});
