import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exampleDirPoolSpec, exampleOverlayVolumeSpec } from '../testing/example-specs.js';
import { HOSTILE_STRINGS } from '../testing/hostile-strings.js';
import { buildStoragePoolXml, parseStoragePoolXml } from './storage-pool.js';
import { buildStorageVolumeXml, parseStorageVolumeXml } from './storage-volume.js';

const fixture = (name: string): string => new URL(`../../test/fixtures/${name}`, import.meta.url).pathname;
const readFixture = (name: string): string => readFileSync(fixture(name), 'utf8');

describe('storage pool', () => {
  it('builds the golden dir pool', async () => {
    await expect(buildStoragePoolXml(exampleDirPoolSpec())).toMatchFileSnapshot(fixture('pool-dir.xml'));
  });

  it('round-trips', () => {
    const spec = exampleDirPoolSpec();
    expect(parseStoragePoolXml(buildStoragePoolXml(spec))).toEqual({
      type: 'dir',
      name: spec.name,
      uuid: spec.uuid,
      targetPath: spec.targetPath,
      permissions: spec.permissions,
    });
  });

  it('reads a running pool as libvirt reports it', () => {
    expect(parseStoragePoolXml(readFixture('libvirt-pool-dir.xml'))).toEqual({
      type: 'dir',
      name: 'lvxml-cap-pool',
      uuid: '5b0c8a1e-3f2d-4e6a-9b7c-1d2e3f4a5b6c',
      capacityBytes: 270553174016,
      allocationBytes: 24398491648,
      availableBytes: 246154682368,
      targetPath: '/tmp/lvx-cap/pool',
      permissions: { mode: '0755', owner: 0, group: 0 },
    });
  });

  it.each(HOSTILE_STRINGS)('keeps %j intact in names and paths', (value) => {
    const path = `/p/${value.replace(/[\r\n]/g, ' ')}`;
    const parsed = parseStoragePoolXml(
      buildStoragePoolXml({ name: value, type: 'dir', targetPath: path, permissions: { label: value } }),
    );
    expect(parsed).toMatchObject({ name: value, targetPath: path, permissions: { label: value } });
  });

  it('refuses bad specs', () => {
    expect(() => buildStoragePoolXml({ ...exampleDirPoolSpec(), targetPath: 'relative' })).toThrow(
      /absolute/,
    );
    expect(() => buildStoragePoolXml({ ...exampleDirPoolSpec(), permissions: { mode: 'rwx' } })).toThrow(
      /octal/,
    );
    expect(() => buildStoragePoolXml({ ...exampleDirPoolSpec(), type: 'logical' as 'dir' })).toThrow(/dir/);
  });
});

describe('storage volume', () => {
  it('builds the golden qcow2 overlay', async () => {
    await expect(buildStorageVolumeXml(exampleOverlayVolumeSpec())).toMatchFileSnapshot(
      fixture('volume-qcow2-overlay.xml'),
    );
  });

  it('round-trips', () => {
    const spec = exampleOverlayVolumeSpec();
    expect(parseStorageVolumeXml(buildStorageVolumeXml(spec))).toEqual({
      type: 'file',
      name: spec.name,
      capacityBytes: spec.capacityBytes,
      allocationBytes: spec.allocationBytes,
      format: 'qcow2',
      backingStore: spec.backingStore,
    });
  });

  it('reads a created overlay as libvirt reports it', () => {
    expect(parseStorageVolumeXml(readFixture('libvirt-volume-overlay.xml'))).toEqual({
      type: 'file',
      name: 'overlay.qcow2',
      key: '/tmp/lvx-cap/pool/overlay.qcow2',
      path: '/tmp/lvx-cap/pool/overlay.qcow2',
      capacityBytes: 10737418240,
      allocationBytes: 200704,
      physicalBytes: 196768,
      format: 'qcow2',
      backingStore: { path: '/tmp/lvx-cap/imgs/base.qcow2', format: 'qcow2' },
      permissions: { mode: '0600', owner: 0, group: 0 },
    });
  });

  it('parses every libvirt unit and keeps sizes above 2^53 exact', () => {
    const vol = (capacity: string): string => `<volume><name>v</name>${capacity}</volume>`;
    expect(parseStorageVolumeXml(vol(`<capacity unit='G'>10</capacity>`)).capacityBytes).toBe(10 * 1024 ** 3);
    expect(parseStorageVolumeXml(vol(`<capacity unit='GB'>10</capacity>`)).capacityBytes).toBe(10e9);
    expect(parseStorageVolumeXml(vol(`<capacity>512</capacity>`)).capacityBytes).toBe(512);
    expect(parseStorageVolumeXml(vol(`<capacity unit='EiB'>8</capacity>`)).capacityBytes).toBe(
      8n * 1024n ** 6n,
    );
  });

  it('writes bigint sizes exactly and raw/iso volumes without a backing store', () => {
    const xml = buildStorageVolumeXml({ name: 'big.raw', capacityBytes: 2n ** 60n, format: 'raw' });
    expect(xml).toContain('<capacity unit="bytes">1152921504606846976</capacity>');
    expect(parseStorageVolumeXml(xml).capacityBytes).toBe(2n ** 60n);
    expect(buildStorageVolumeXml({ name: 'x.iso', capacityBytes: 0, format: 'iso' })).toContain(
      '<format type="iso"/>',
    );
  });

  it.each(HOSTILE_STRINGS)('keeps %j intact in names and backing paths', (value) => {
    const path = `/b/${value.replace(/[\r\n]/g, ' ')}`;
    const parsed = parseStorageVolumeXml(
      buildStorageVolumeXml({
        name: value,
        capacityBytes: 1,
        format: 'qcow2',
        backingStore: { path, format: 'raw' },
      }),
    );
    expect(parsed).toMatchObject({ name: value, backingStore: { path, format: 'raw' } });
  });

  it('refuses bad specs', () => {
    const base = exampleOverlayVolumeSpec();
    expect(() => buildStorageVolumeXml({ ...base, capacityBytes: -1 })).toThrow(/non-negative/);
    expect(() => buildStorageVolumeXml({ ...base, capacityBytes: 1.5 })).toThrow(/integer/);
    expect(() => buildStorageVolumeXml({ ...base, allocationBytes: 11 * 1024 ** 3 })).toThrow(/exceed/);
    expect(() => buildStorageVolumeXml({ ...base, format: 'raw' })).toThrow(/backing store/);
    expect(() =>
      buildStorageVolumeXml({ ...base, backingStore: { path: 'rel.qcow2', format: 'qcow2' } }),
    ).toThrow(/absolute/);
    expect(() => parseStorageVolumeXml('<volume><name>v</name></volume>')).toThrow(/capacity/);
  });
});
