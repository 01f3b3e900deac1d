import { PassThrough } from 'node:stream';
import { ConsoleCloseCode } from '@gureum/contract';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import type { InStream } from '../lib/io.js';
import { useFakeGureum } from '../test/setup.js';

// `gureum vm console` against the fake API (a real HTTP + WebSocket server speaking the contract): the ticket from
// POST /vms/{id}/console, then the console WebSocket at its url.
const t = useFakeGureum();
const TICKET = 'T'.repeat(43);

/** A console whose guest greets, then echoes each input chunk in capitals; `typed` is what it received. */
function serveConsole(): { typed: () => string; socket: () => WebSocket | undefined } {
  let typed = '';
  let current: WebSocket | undefined;
  t.api.on('createVmConsole', () => ({
    status: 201,
    body: { url: `/api/v1/consoles/${TICKET}`, expiresAt: new Date(Date.now() + 30_000).toISOString() },
  }));
  t.api.consoleHandler = (ws, ticket) => {
    current = ws;
    if (ticket !== TICKET) ws.close(4000, 'wrong ticket');
    ws.send(Buffer.from('login: '));
    ws.on('message', (data: Buffer) => {
      typed += data.toString('utf8');
      ws.send(Buffer.from(data.toString('utf8').toUpperCase()));
    });
  };
  return { typed: () => typed, socket: () => current };
}

/** A stdin that claims to be a terminal, with a raw-mode switch that records its calls. */
function terminal(): InStream & PassThrough & { rawModes: boolean[] } {
  const rawModes: boolean[] = [];
  return Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes,
    setRawMode: (mode: boolean) => rawModes.push(mode),
  });
}

describe('vm console', () => {
  it('attaches a terminal in raw mode, sends keys (Ctrl-C too) and quits on Ctrl-]', async () => {
    const vm = t.world.addVm({ name: 'web-1', state: 'running' });
    const guest = serveConsole();
    const stdin = terminal();
    const run = t.run(['vm', 'console', 'web-1'], { stdinStream: stdin });
    await expect.poll(() => guest.socket()).toBeDefined();
    stdin.write('ls\r\x03');
    await expect.poll(guest.typed).toBe('ls\r\x03');
    stdin.write('x\x1dignored');
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('login: LS\r\x03X');
    expect(guest.typed()).toBe('ls\r\x03x');
    expect(stdin.rawModes).toEqual([true, false]);
    expect(r.stderr).toContain('Ctrl-] quits');
    expect(t.api.calls('createVmConsole')[0]).toMatchObject({
      path: `/api/v1/vms/${vm.id}/console`,
      json: { type: 'serial' },
    });
  });

  it('with piped input, ends once the input ended and the guest went quiet', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    const guest = serveConsole();
    const r = await t.run(['vm', 'console', 'web-1'], { stdin: 'uname\r' });
    expect(r.code).toBe(0);
    expect(guest.typed()).toBe('uname\r');
    expect(r.stdout).toBe('login: UNAME\r');
  });

  it('says why when the server closes the console (the VM stopped)', async () => {
    t.world.addVm({ name: 'web-1', state: 'running' });
    const guest = serveConsole();
    const stdin = terminal();
    const run = t.run(['vm', 'console', 'web-1'], { stdinStream: stdin });
    await expect.poll(() => guest.socket()).toBeDefined();
    guest.socket()?.close(ConsoleCloseCode.VmStopped, 'the VM stopped');
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Console closed: the VM stopped.');
    expect(stdin.rawModes).toEqual([true, false]);
  });

  it('fails with the API problem when the VM is not running', async () => {
    t.world.addVm({ name: 'web-1', state: 'stopped' });
    t.api.on('createVmConsole', () => ({
      status: 409,
      headers: { 'content-type': 'application/problem+json' },
      body: {
        type: 'https://gureum.dev/errors#vm-invalid-state',
        title: 'VM in the wrong state',
        status: 409,
        detail: 'The VM is stopped; a console needs it running.',
        instance: '/api/v1/vms/x/console',
        code: 'VM_INVALID_STATE',
        requestId: 'req-1',
      },
    }));
    const r = await t.run(['vm', 'console', 'web-1'], { stdin: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The VM is stopped; a console needs it running. [VM_INVALID_STATE]');
  });
});
