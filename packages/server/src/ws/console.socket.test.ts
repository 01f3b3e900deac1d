import { BASE_PATH, ConsoleCloseCode } from '@gureum/contract';
import {
  ApiError,
  ConsoleOpenError,
  consoleSocketUrl,
  openConsoleSocket,
  type ConsoleConnection,
} from '@gureum/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { AuditRecord } from '../domain/model.js';
import { FAKE_RFB_BANNER } from '../testing/fake-consoles.js';
import {
  addUser,
  createVm,
  expectProblem,
  MEMBER_PASSWORD,
  startHarness,
  uploadImage,
  type Harness,
  type VmJson,
} from '../testing/app-harness.js';

// Console tickets and the console WebSocket, through the real server (startServer) over in-memory SQLite (real
// adapter) and the FakeHypervisor (fake: a TCP RFB-banner echo server per VM for VNC, in-memory echo streams for
// serial). The server's clock is movable, so tickets can be aged past 30 s without waiting.
let h: Harness;
let offsetMs = 0;
let image: string;
let adminVm: VmJson;
let memberVm: VmJson;
let viewerToken: string;

beforeAll(async () => {
  h = await startHarness({
    overrides: { clock: { now: () => new Date(Date.now() + offsetMs) } },
  });
  image = await uploadImage(h);
  adminVm = await createVm(h, image, { start: true });
  const memberImage = await uploadImage(h, { token: h.member.token });
  memberVm = await createVm(h, memberImage, { start: true }, h.member.token);
  await addUser(h.db, 'viewer', 'viewer');
  viewerToken = await login('viewer');
});
afterAll(async () => {
  await h.close();
});

async function login(username: string): Promise<string> {
  const res = await h.request('POST', '/auth/login', {
    token: null,
    body: { username, password: MEMBER_PASSWORD },
  });
  return res.json<{ token: string }>().token;
}

interface Ticket {
  url: string;
  expiresAt: string;
}

async function ticketFor(vm: VmJson, type: 'vnc' | 'serial', token = h.token): Promise<Ticket> {
  const res = await h.request('POST', `/vms/${vm.id}/console`, { token, body: { type } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<Ticket>();
}

const wsUrl = (path: string): string => consoleSocketUrl(h.url, path);
const open = (t: Ticket): Promise<ConsoleConnection> => openConsoleSocket(wsUrl(t.url), { WebSocket });

/** Opens a console that must be refused before the upgrade; returns the HTTP problem the server sent. */
async function refused(url: string): Promise<ApiError> {
  const err = await openConsoleSocket(url, { WebSocket }).then(
    (con) => {
      con.close();
      throw new Error(`the console opened: ${url}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

function received(con: ConsoleConnection): () => string {
  let text = '';
  con.onData((bytes) => (text += Buffer.from(bytes).toString('latin1')));
  return () => text;
}

async function auditRows(vmId: string, action: string): Promise<AuditRecord[]> {
  await h.server.audit.flush();
  const page = await h.db.audit.list({ resourceId: vmId, limit: 100 });
  return page.items.filter((r) => r.action === action);
}

describe('POST /vms/{id}/console', () => {
  it('answers 201 with a ticket url under /api/v1/consoles and an expiry at most 30 s ahead', async () => {
    const before = Date.now();
    const res = await h.request('POST', `/vms/${adminVm.id}/console`, { body: { type: 'vnc' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const t = res.json<Ticket>();
    expect(t.url).toMatch(new RegExp(`^${BASE_PATH}/consoles/[A-Za-z0-9_-]{43}$`));
    const ahead = Date.parse(t.expiresAt) - before;
    expect(ahead).toBeGreaterThan(29_000);
    expect(ahead).toBeLessThanOrEqual(30_000 + 1_000);
  });

  it("refuses another member's VM with 404 (no existence leak)", async () => {
    const res = await h.request('POST', `/vms/${adminVm.id}/console`, {
      token: h.member.token,
      body: { type: 'serial' },
    });
    expectProblem(res, 404, 'VM_NOT_FOUND');
  });

  it('refuses viewers with 403: no console is read-only', async () => {
    const res = await h.request('POST', `/vms/${adminVm.id}/console`, {
      token: viewerToken,
      body: { type: 'vnc' },
    });
    expectProblem(res, 403, 'FORBIDDEN');
  });

  it('refuses a stopped VM with 409', async () => {
    const stopped = await createVm(h, image);
    expect(stopped.state).toBe('stopped');
    const res = await h.request('POST', `/vms/${stopped.id}/console`, { body: { type: 'serial' } });
    expectProblem(res, 409, 'VM_INVALID_STATE');
  });

  it('refuses an unknown console type with 400', async () => {
    const res = await h.request('POST', `/vms/${adminVm.id}/console`, { body: { type: 'spice' } });
    expectProblem(res, 400, 'VALIDATION_FAILED');
  });
});

describe('the console WebSocket', () => {
  it('opens a serial console once: bytes both ways; the same ticket again is refused with 401', async () => {
    const t = await ticketFor(memberVm, 'serial', h.member.token);
    const con = await open(t);
    const text = received(con);
    const [guest] = h.hypervisor.consoles.serialOf(memberVm.id);
    if (!guest) throw new Error('no serial console was opened');
    guest.print('TG-READY\r\n');
    con.send('echo hi\r');
    await expect.poll(text).toBe('TG-READY\r\necho hi\r');
    expect(guest.typed.toString()).toBe('echo hi\r');

    const replay = await refused(wsUrl(t.url));
    expect(replay).toMatchObject({ status: 401, code: 'CONSOLE_TICKET_INVALID' });
    expect(replay.detail).toMatch(/already used/);
    con.close();
    expect((await con.closed).code).toBe(ConsoleCloseCode.Normal);
  });

  it('keeps what the client types while the console is still opening, and sends it first', async () => {
    h.hypervisor.consoles.openDelayMs = 200;
    try {
      const con = await open(await ticketFor(adminVm, 'serial'));
      con.send('typed-at-once\r');
      const text = received(con);
      await expect.poll(text).toBe('typed-at-once\r');
      expect(h.hypervisor.consoles.serialOf(adminVm.id).at(-1)?.typed.toString()).toBe('typed-at-once\r');
      con.close();
      await con.closed;
    } finally {
      h.hypervisor.consoles.openDelayMs = 0;
    }
  });

  it('takes more than 1 MiB typed while opening (the socket pauses, then resumes), losing nothing', async () => {
    h.hypervisor.consoles.openDelayMs = 200;
    try {
      const con = await open(await ticketFor(adminVm, 'serial'));
      const frame = new Uint8Array(60 * 1024).fill(0x61);
      for (let i = 0; i < 24; i++) con.send(frame);
      const total = 24 * frame.length;
      await expect
        .poll(() => h.hypervisor.consoles.serialOf(adminVm.id).at(-1)?.typed.length, { timeout: 5_000 })
        .toBe(total);
      con.close();
      await con.closed;
    } finally {
      h.hypervisor.consoles.openDelayMs = 0;
    }
  });

  it('proxies VNC to the VM’s VNC server: its RFB banner first, then bytes both ways', async () => {
    const con = await open(await ticketFor(adminVm, 'vnc'));
    const text = received(con);
    await expect.poll(text).toBe(FAKE_RFB_BANNER);
    con.send(new Uint8Array(Buffer.from(FAKE_RFB_BANNER)));
    await expect.poll(text).toBe(FAKE_RFB_BANNER + FAKE_RFB_BANNER);
    expect(h.hypervisor.consoles.vncReceived.get(adminVm.id)?.toString()).toBe(FAKE_RFB_BANNER);
    con.close();
    await con.closed;
    await expect.poll(async () => (await h.hypervisor.consoles.vncSockets(adminVm.id)).length).toBe(0);
  });

  it('refuses a ticket older than 30 s with 401, and it stays spent', async () => {
    const t = await ticketFor(adminVm, 'serial');
    offsetMs += 30_001;
    try {
      const err = await refused(wsUrl(t.url));
      expect(err).toMatchObject({ status: 401, code: 'CONSOLE_TICKET_INVALID' });
      expect(err.detail).toMatch(/expired/);
    } finally {
      offsetMs -= 30_001;
    }
    expect((await refused(wsUrl(t.url))).detail).toMatch(/already used/);
  });

  it('accepts a ticket just before it expires', async () => {
    const t = await ticketFor(adminVm, 'serial');
    offsetMs += 29_000;
    try {
      const con = await open(t);
      con.close();
      await con.closed;
    } finally {
      offsetMs -= 29_000;
    }
  });

  it.each([
    ['too long for the router', 'A'.repeat(200)],
    ['far too long', 'A'.repeat(8000)],
    ['not base64url', `${'A'.repeat(41)}%2B%2F`],
    ['traversal', '..%2F..%2F..%2Fetc%2Fpasswd'],
    ['dot segments', '..'],
    ['a NUL byte', `${'A'.repeat(42)}%00`],
    ['unicode', `${'A'.repeat(42)}%C3%A9`],
    ['a malformed escape', `${'A'.repeat(42)}%E0%A4%A`],
    ['valid-looking but unknown', 'A'.repeat(43)],
  ])('refuses a hostile ticket (%s) before the upgrade, as a problem', async (_name, ticket) => {
    const err = await refused(wsUrl(`${BASE_PATH}/consoles/${ticket}`));
    expect([
      [401, 'CONSOLE_TICKET_INVALID'],
      [404, 'ROUTE_NOT_FOUND'],
      [400, 'VALIDATION_FAILED'],
    ]).toContainEqual([err.status, err.code]);
  });

  it('refuses an upgrade to a URL without a WebSocket with 404, before the upgrade', async () => {
    for (const path of [`${BASE_PATH}/vms`, `${BASE_PATH}/consoles`, '/', `${BASE_PATH}/nowhere`]) {
      expect(await refused(wsUrl(path)), path).toMatchObject({ status: 404, code: 'ROUTE_NOT_FOUND' });
    }
  });

  it('still serves consoles after the hostile requests', async () => {
    const health = await h.request('GET', '/health', { token: null });
    expect(health.statusCode).toBe(200);
    const con = await open(await ticketFor(adminVm, 'serial'));
    con.close();
    await con.closed;
  });

  it('answers a plain GET (no upgrade) with 400 and does not spend the ticket', async () => {
    const t = await ticketFor(adminVm, 'serial');
    const res = await h.app.inject({ method: 'GET', url: t.url });
    expectProblem(res, 400, 'VALIDATION_FAILED');
    const con = await open(t);
    con.close();
    await con.closed;
  });

  it('refuses a ticket whose VM stopped before the upgrade with 409', async () => {
    const vm = await createVm(h, image, { start: true });
    const t = await ticketFor(vm, 'vnc');
    h.hypervisor.emitExternal(vm.id, 'stopped', 'destroyed', 'stopped');
    await expect
      .poll(async () => (await h.request('GET', `/vms/${vm.id}`)).json<VmJson>().state)
      .toBe('stopped');
    expect(await refused(wsUrl(t.url))).toMatchObject({ status: 409, code: 'VM_INVALID_STATE' });
  });

  it('refuses the ticket of a user who became a viewer with 403', async () => {
    const user = await addUser(h.db, 'demoted', 'member');
    const token = await login('demoted');
    const vm = await createVm(h, await uploadImage(h, { token }), { start: true }, token);
    const t = await ticketFor(vm, 'serial', token);
    await h.db.users.update(user.id, { role: 'viewer' });
    expect(await refused(wsUrl(t.url))).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('closes with 4409 "the VM stopped" when the VM is force-stopped, and closes the VM side', async () => {
    const vm = await createVm(h, image, { start: true });
    const serial = await open(await ticketFor(vm, 'serial'));
    const vnc = await open(await ticketFor(vm, 'vnc'));
    const stop = await h.request('POST', `/vms/${vm.id}/actions/force-stop`, {
      body: {},
      query: { wait: 'true' },
    });
    expect(stop.statusCode, stop.body).toBe(200);
    expect(await serial.closed).toEqual({ code: ConsoleCloseCode.VmStopped, reason: 'the VM stopped' });
    expect(await vnc.closed).toEqual({ code: ConsoleCloseCode.VmStopped, reason: 'the VM stopped' });
    expect(h.hypervisor.consoles.serialOf(vm.id)).toEqual([]);
  });

  it('records opening and closing in the audit log, with the ticket id and never the ticket', async () => {
    const t = await ticketFor(memberVm, 'serial', h.member.token);
    const con = await open(t);
    con.send('x');
    con.close();
    await con.closed;
    const ticket = t.url.split('/').pop() ?? '';
    await expect
      .poll(async () => (await auditRows(memberVm.id, 'console.disconnect')).length)
      .toBeGreaterThan(1);
    const [opened] = await auditRows(memberVm.id, 'console.connect');
    const [closed] = await auditRows(memberVm.id, 'console.disconnect');
    expect(opened).toMatchObject({
      actorId: h.member.id,
      ownerId: h.member.id,
      resourceKind: 'vm',
      resourceId: memberVm.id,
      outcome: 'succeeded',
      details: { kind: 'serial', ticketId: expect.stringMatching(/^[0-9a-f]{12}$/) as unknown },
    });
    expect(closed).toMatchObject({
      actorId: h.member.id,
      outcome: 'succeeded',
      details: expect.objectContaining({
        kind: 'serial',
        closeCode: 1000,
        bytesToVm: 1,
        ticketId: opened?.details?.ticketId,
      }) as unknown,
    });
    expect(JSON.stringify([opened, closed])).not.toContain(ticket);
  });

  it('closes the VM side of a console whose client left while it opened, and audits that', async () => {
    const vm = await createVm(h, image, { start: true });
    h.hypervisor.consoles.openDelayMs = 300;
    try {
      const con = await open(await ticketFor(vm, 'serial'));
      con.close();
      await con.closed;
      await expect
        .poll(async () => (await auditRows(vm.id, 'console.connect'))[0], { timeout: 3_000 })
        .toMatchObject({ outcome: 'failed', details: { clientLeft: true } });
      expect(h.hypervisor.consoles.serialOf(vm.id)).toEqual([]);
      expect(await auditRows(vm.id, 'console.disconnect')).toEqual([]);
    } finally {
      h.hypervisor.consoles.openDelayMs = 0;
    }
  });

  it('audits a replayed ticket as a failed console.connect', async () => {
    const t = await ticketFor(memberVm, 'vnc', h.member.token);
    const con = await open(t);
    con.close();
    await refused(wsUrl(t.url));
    await expect
      .poll(async () =>
        (await auditRows(memberVm.id, 'console.connect')).find(
          (r) => r.outcome === 'failed' && r.details?.ticket === 'used',
        ),
      )
      .toMatchObject({ actorId: h.member.id, details: { errorCode: 'CONSOLE_TICKET_INVALID' } });
  });

  it('is closed with 1001 when the server shuts down', async () => {
    const other = await startHarness();
    try {
      const vm = await createVm(other, await uploadImage(other), { start: true });
      const res = await other.request('POST', `/vms/${vm.id}/console`, { body: { type: 'serial' } });
      const con = await openConsoleSocket(consoleSocketUrl(other.url, res.json<Ticket>().url), {
        WebSocket,
      });
      await other.stopServer();
      expect((await con.closed).code).toBe(ConsoleCloseCode.GoingAway);
      await expect.poll(() => other.hypervisor.consoles.serialOf(vm.id)).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('the client helper', () => {
  it('opens a console in one call (ticket + socket) with the typed client', async () => {
    const con = await h.client.openConsole({ id: adminVm.id, type: 'vnc' }, { WebSocket });
    const text = received(con);
    await expect.poll(text).toBe(FAKE_RFB_BANNER);
    con.close();
    expect((await con.closed).code).toBe(1000);
  });

  it('rejects with a ConsoleOpenError when nothing answers', async () => {
    await expect(
      openConsoleSocket('ws://127.0.0.1:9/api/v1/consoles/x', { WebSocket, openTimeoutMs: 2_000 }),
    ).rejects.toBeInstanceOf(ConsoleOpenError);
  });
});
