// End to end: the console WebSocket against a real server process, a real libvirtd and one tiny real guest (the
// test guests' disk, which prints TG-READY and keeps a root shell on ttyS0). Serial goes through libvirt's console
// stream, VNC through QEMU's VNC server on 127.0.0.1; both must close cleanly when the VM is force-stopped.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ApiError, consoleSocketUrl, openConsoleSocket, type ConsoleConnection } from '@gureum/client';
import { ConsoleCloseCode, type Vm } from '@gureum/contract';
import { readSerialLog } from '@gureum/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { done, startGureum, uploadTestImage, type GureumServer } from './harness.js';
import { waitForBoot, waitUntil } from './observe.js';

const MiB = 1024 * 1024;
const execFileP = promisify(execFile);

let gureum: GureumServer | undefined;
let vm: Vm | undefined;
const open: ConsoleConnection[] = [];

function server(): GureumServer {
  if (!gureum) throw new Error('no server');
  return gureum;
}

function theVm(): Vm {
  if (!vm) throw new Error('no VM');
  return vm;
}

async function openConsole(type: 'vnc' | 'serial'): Promise<ConsoleConnection & { text(): string }> {
  const con = await server().client.openConsole({ id: theVm().id, type }, { WebSocket });
  open.push(con);
  let text = '';
  con.onData((bytes) => (text += Buffer.from(bytes).toString('latin1')));
  return Object.assign(con, { text: () => text });
}

/** The ids of the server's connections to libvirtd, as libvirtd itself lists them (virt-admin), by process id. */
async function libvirtClientsOf(pid: number): Promise<string[]> {
  const list = await execFileP('virt-admin', ['client-list', 'libvirtd']);
  const ids = [...list.stdout.matchAll(/^\s*(\d+)\s+unix\b/gm)].map((m) => m[1] ?? '');
  const mine: string[] = [];
  for (const id of ids) {
    const info = await execFileP('virt-admin', ['client-info', 'libvirtd', id]).catch(() => ({ stdout: '' }));
    if (new RegExp(`unix_process_id\\s*:\\s*${String(pid)}\\b`).test(info.stdout)) mine.push(id);
  }
  return mine;
}

beforeAll(async () => {
  const g = await startGureum({ dialect: 'sqlite' });
  gureum = g;
  const image = await uploadTestImage(g.client, g.name('img'));
  vm = done(
    await g.client.createVm(
      { name: g.name('con'), vcpus: 1, memoryBytes: 128 * MiB, source: { imageId: image.id }, start: true },
      { wait: true, timeoutMs: 60_000 },
    ),
  );
  const log = g.serialLog(vm.id);
  await waitForBoot(log, 1);
  await waitUntil(
    async () => (await readSerialLog(log)).includes('built-in shell'),
    'the guest shell',
    20_000,
  );
});

afterAll(async () => {
  for (const con of open) con.close();
  await gureum?.dispose();
});

describe('consoles of a real guest', () => {
  it('serial: a typed command runs in the guest and its output comes back; its libvirt connection goes with it', async () => {
    const pid = server().pid;
    if (pid === undefined) throw new Error('no server process');
    const before = await libvirtClientsOf(pid);
    const con = await openConsole('serial');
    // The console stream has a connection of its own, so a slow reader never stalls the shared one.
    const added = (await libvirtClientsOf(pid)).filter((id) => !before.includes(id));
    expect(added.length).toBeGreaterThanOrEqual(1);
    // The shell computes the marker: the echo of the typed line alone cannot contain it.
    con.send('echo hello-$((6*7))-$RANDOM\r');
    const text = await waitUntil(
      () => /hello-42-\d+/.exec(con.text())?.[0],
      `the command’s output on the serial console (got ${JSON.stringify(con.text())})`,
      20_000,
    );
    expect(text).toMatch(/^hello-42-\d+$/);
    expect(con.text()).toContain('echo hello-$((6*7))-$RANDOM'); // the terminal echoed what was typed
    // The guest's own output reaches the console as well: the same marker went to virtlogd's log.
    expect(await readSerialLog(server().serialLog(theVm().id))).toContain(text);
    con.close();
    expect((await con.closed).code).toBe(ConsoleCloseCode.Normal);
    await waitUntil(
      async () => {
        const now = await libvirtClientsOf(pid);
        return added.every((id) => !now.includes(id)) ? true : undefined;
      },
      'the console’s libvirt connection to close',
      10_000,
    );
  });

  it('vnc: QEMU’s VNC server answers through the proxy with its RFB banner, then its security types', async () => {
    const con = await openConsole('vnc');
    const banner = await waitUntil(() => /^RFB 003\.00\d\n/.exec(con.text())?.[0], 'an RFB banner', 10_000);
    expect(banner).toMatch(/^RFB 003\.00[3-8]\n$/);
    // RFB 3.8: the client answers with its version; the server lists its security types (1 = None here).
    con.send('RFB 003.008\n');
    const types = await waitUntil(
      () => {
        const reply = Buffer.from(con.text().slice(banner.length), 'latin1');
        const count = reply[0];
        return count !== undefined && reply.length >= 1 + count
          ? [...reply.subarray(1, 1 + count)]
          : undefined;
      },
      'the security types',
      10_000,
    );
    expect(types).toContain(1);
    con.close();
    await con.closed;
  });

  it('a used ticket is refused before the upgrade', async () => {
    const g = server();
    const ticket = await g.client.createVmConsole({ id: theVm().id, type: 'vnc' });
    const first = await openConsoleTicket(ticket.url);
    first.close();
    await first.closed;
    const err = await openConsoleTicket(ticket.url).then(
      () => new Error('opened twice'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'CONSOLE_TICKET_INVALID' });
  });

  it('force-stopping the VM closes both consoles with 4409, and the audit log has both sessions', async () => {
    const g = server();
    const serial = await openConsole('serial');
    const vnc = await openConsole('vnc');
    await waitUntil(() => vnc.text().startsWith('RFB') || undefined, 'the RFB banner', 10_000);
    const stoppedAt = Date.now();
    done(await g.client.forceStopVm({ id: theVm().id }, { wait: true, timeoutMs: 60_000 }));
    const [s, v] = await Promise.all([serial.closed, vnc.closed]);
    expect(s).toEqual({ code: ConsoleCloseCode.VmStopped, reason: 'the VM stopped' });
    expect(v).toEqual({ code: ConsoleCloseCode.VmStopped, reason: 'the VM stopped' });
    expect(Date.now() - stoppedAt).toBeLessThan(10_000);
    // A console of a stopped VM is refused at the ticket.
    await expect(g.client.createVmConsole({ id: theVm().id, type: 'serial' })).rejects.toMatchObject({
      status: 409,
      code: 'VM_INVALID_STATE',
    });
    // The two sessions the stop ended, each opened and closed in the audit log.
    let actions: string[] = [];
    const stoppedSessions = await waitUntil(
      async () => {
        const page = await g.client.listAuditEvents({ resource: theVm().id });
        actions = page.items.map((e) => `${e.action}:${e.outcome}`);
        const stops = page.items.filter(
          (e) => e.action === 'console.disconnect' && e.details?.['closeCode'] === ConsoleCloseCode.VmStopped,
        );
        return stops.length >= 2 ? stops : undefined;
      },
      'two console.disconnect rows with close code 4409',
      10_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; the VM's audit rows: ${actions.join(', ')}`);
    });
    const page = await g.client.listAuditEvents({ resource: theVm().id });
    for (const closed of stoppedSessions) {
      expect(closed).toMatchObject({ outcome: 'succeeded', actorId: expect.any(String) as unknown });
      const opened = page.items.find(
        (e) => e.action === 'console.connect' && e.details?.['ticketId'] === closed.details?.['ticketId'],
      );
      expect(opened).toMatchObject({ outcome: 'succeeded', details: { kind: closed.details?.['kind'] } });
    }
    expect(stoppedSessions.map((e) => e.details?.['kind']).sort()).toEqual(['serial', 'vnc']);
  });
});

function openConsoleTicket(url: string): Promise<ConsoleConnection> {
  return openConsoleSocket(consoleSocketUrl(server().url, url), { WebSocket });
}
