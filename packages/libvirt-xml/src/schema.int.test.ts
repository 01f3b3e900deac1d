// libvirt's own RelaxNG schemas (through virt-xml-validate, which needs xmllint from libxml2-utils) accept
// every fixture, and the documents our builders write from hostile input.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDomainXml } from './domain/domain.builder.js';
import { buildNetworkXml } from './network/network.js';
import { buildDomainSnapshotXml } from './snapshot/domain-snapshot.js';
import { buildStoragePoolXml } from './storage/storage-pool.js';
import { buildStorageVolumeXml } from './storage/storage-volume.js';
import { exampleImageVmSpec, exampleIsolatedNetworkSpec } from './testing/example-specs.js';
import { HOSTILE_STRINGS } from './testing/hostile-strings.js';

const VALIDATE = '/usr/bin/virt-xml-validate';
const FIXTURES = new URL('../test/fixtures/', import.meta.url).pathname;

/** virt-xml-validate's schema name for a fixture file. */
function schemaOf(file: string): string | undefined {
  if (file === 'libvirt-capabilities.xml') return undefined; // see the test below
  const rules: [RegExp, string][] = [
    [/^(libvirt-)?domain-/, 'domain'],
    [/^(libvirt-)?pool-/, 'storagepool'],
    [/^(libvirt-)?volume-/, 'storagevol'],
    [/^(libvirt-)?network-/, 'network'],
    [/^(domainsnapshot|libvirt-snapshot)/, 'domainsnapshot'],
    [/^libvirt-domcapabilities/, 'domaincaps'],
  ];
  return rules.find(([re]) => re.test(file))?.[1];
}

function validate(path: string, schema: string): { ok: boolean; output: string } {
  try {
    const output = execFileSync(VALIDATE, [path, schema], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output };
  } catch (err: unknown) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('virt-xml-validate', () => {
  it('is installed (scripts/setup-host.sh --dev installs libvirt-clients and libxml2-utils)', () => {
    expect(existsSync(VALIDATE) && existsSync('/usr/bin/xmllint')).toBe(true);
  });

  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.xml'));

  it('covers every fixture with a schema (bar one documented exception)', () => {
    expect(files.filter((f) => schemaOf(f) === undefined)).toEqual(['libvirt-capabilities.xml']);
  });

  it.each(
    files.flatMap((f) => {
      const s = schemaOf(f);
      return s === undefined ? [] : [[f, s] as const];
    }),
  )('accepts %s as %s', (file, schema) => {
    const result = validate(join(FIXTURES, file), schema);
    expect(result.ok, result.output).toBe(true);
  });

  it("rejects libvirt 9.0's own capabilities output (its schema lacks <maxphysaddr>), so it is not checked", () => {
    expect(validate(join(FIXTURES, 'libvirt-capabilities.xml'), 'capability').ok).toBe(false);
  });

  describe('documents built from hostile strings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvxml-schema-'));
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });
    // libvirt refuses "/" and line breaks in names, line breaks in titles (its schemas say so too) and
    // the builders refuse line breaks in paths; rejecting such names is the caller's job, so here the
    // hostile strings are kept whole wherever libvirt accepts anything.
    const asName = (value: string): string => value.replace(/[/\r\n]/g, '_');
    const asPath = (value: string): string => value.replace(/[\r\n]/g, ' ');

    it.each(HOSTILE_STRINGS.map((s, i) => [i, s] as const))('#%i %j', (i, value) => {
      const name = asName(value);
      const path = asPath(value);
      const docs: [string, string][] = [
        [
          'domain',
          buildDomainXml({
            ...exampleImageVmSpec(),
            name,
            title: value.replace(/[\r\n]/g, ' '),
            description: value,
            metadata: { vmId: value, tags: [value] },
            disks: [
              { kind: 'disk', bus: 'virtio', target: 'vda', format: 'qcow2', source: { file: `/p/${path}` } },
            ],
            serial: { type: 'pty', logFile: `/l/${path}` },
            bootOrder: 'hd',
          }),
        ],
        ['storagepool', buildStoragePoolXml({ name, type: 'dir', targetPath: `/p/${path}` })],
        [
          'storagevol',
          buildStorageVolumeXml({
            name,
            capacityBytes: 1,
            format: 'qcow2',
            backingStore: { path: `/b/${path}`, format: 'qcow2' },
          }),
        ],
        ['network', buildNetworkXml({ ...exampleIsolatedNetworkSpec(), name })],
        ['domainsnapshot', buildDomainSnapshotXml({ name, description: value, memory: 'no' })],
      ];
      for (const [schema, xml] of docs) {
        const file = join(dir, `${i}-${schema}.xml`);
        writeFileSync(file, xml);
        const result = validate(file, schema);
        expect(result.ok, `${schema}: ${result.output}`).toBe(true);
      }
    });
  });
});
