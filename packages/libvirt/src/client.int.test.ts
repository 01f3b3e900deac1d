// Integration: a real libvirtd at qemu:///system (scripts/setup-host.sh). Read-only operations only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LibvirtClient } from './client.js';
import { isConnectionError, isNoDomain, isUnsupported } from './errors.js';
import { proc } from './protocol/procedure.js';
import { xvoid } from './xdr/codec.js';

let client: LibvirtClient;

beforeAll(async () => {
  client = await LibvirtClient.connect('qemu:///system', { callTimeoutMs: 20_000 });
});

afterAll(async () => {
  await client.close();
});

describe('LibvirtClient against libvirtd', () => {
  it('connects and reports versions and host facts', async () => {
    expect(client.state).toBe('connected');
    const libVersion = await client.connectGetLibVersion();
    expect(libVersion).toBeGreaterThanOrEqual(9_000_000n);
    expect(await client.connectGetType()).toBe('QEMU');
    expect(await client.connectGetUri()).toBe('qemu:///system');
    expect((await client.connectGetHostname()).length).toBeGreaterThan(0);
  });

  it('reads the capabilities XML and the node info', async () => {
    const caps = await client.connectGetCapabilities();
    expect(caps).toMatch(/^<capabilities>/);
    expect(caps).toContain("<domain type='qemu'");
    const info = await client.nodeGetInfo();
    expect(info.model).toBe('x86_64');
    expect(info.cpus).toBeGreaterThan(0);
    expect(info.memory).toBeGreaterThan(0n);
  });

  it('lists domains with their state', async () => {
    const { domains, ret } = await client.connectListAllDomains({ needResults: 1, flags: 0 });
    expect(domains.length).toBe(ret);
    for (const dom of domains) {
      const { state } = await client.domainGetState({ dom, flags: 0 });
      expect(state).toBeGreaterThanOrEqual(0);
    }
  });

  it('maps daemon errors to LibvirtError and unknown procedures to isUnsupported', async () => {
    const err = await client
      .domainLookupByName({ name: 'gureum-core-int-does-not-exist' })
      .catch((e: unknown) => e);
    expect(isNoDomain(err)).toBe(true);
    expect(
      isUnsupported(await client.call(proc(9999, xvoid, xvoid), undefined).catch((e: unknown) => e)),
    ).toBe(true);
    expect(client.state).toBe('connected');
  });

  it('pipelines many calls on one connection (5 in flight, the rest queued)', async () => {
    const results = await Promise.all(Array.from({ length: 40 }, () => client.connectGetLibVersion()));
    expect(new Set(results).size).toBe(1);
  });

  it('opens read-only connections that refuse writes', async () => {
    const ro = await LibvirtClient.connect('qemu:///system', { readOnly: true, autoReconnect: false });
    try {
      expect(await ro.connectGetLibVersion()).toBeGreaterThan(0n);
      const err = await ro
        .domainDefineXmlFlags({
          xml: "<domain type='qemu'><name>gureum-ro</name><memory>65536</memory><os><type>hvm</type></os></domain>",
          flags: 0,
        })
        .catch((e: unknown) => e);
      expect((err as Error).message).toMatch(/read only|read-only/);
    } finally {
      await ro.close();
    }
    expect(isConnectionError(await ro.connectGetLibVersion().catch((e: unknown) => e), 'closed')).toBe(true);
  });
});
