// user, token, quota, usage, audit and doctor.
import { describe, expect, it } from 'vitest';
import { deadUrl } from '../test/run.js';
import { useFakeGureum } from '../test/setup.js';

const t = useFakeGureum();

describe('user', () => {
  it('create reads the password from stdin; list, show, update and delete find users by name', async () => {
    const created = await t.run(['user', 'create', 'alice', '--role', 'member', '--password-stdin'], {
      stdin: 's3cret-pass\n',
    });
    expect(created.stdout).toMatch(/^Created user alice \(member\), id usr_\d+\.\n$/);
    expect(t.api.calls('createUser')[0]?.json).toEqual({
      username: 'alice',
      role: 'member',
      password: 's3cret-pass',
    });
    expect((await t.run(['user', 'list'])).stdout).toMatch(
      /^USERNAME\s+ROLE\s+CREATED\s+ID\nadmin\s+admin\s+.*\nalice\s+member/,
    );
    expect((await t.run(['user', 'show', 'alice'])).stdout).toMatch(/Role:\s+member/);
    expect((await t.run(['user', 'update', 'alice', '--role', 'viewer'])).stdout).toBe(
      'Updated user alice (viewer).\n',
    );
    expect((await t.run(['user', 'delete', 'alice'])).stdout).toMatch(/^Deleted user alice/);
    expect((await t.run(['user', 'show', 'alice'])).stderr).toMatch(/\[USER_NOT_FOUND\]/);
  });

  it('create needs --role and a way to get the password', async () => {
    expect((await t.run(['user', 'create', 'bob'])).stderr).toMatch(/--role is required/);
    expect((await t.run(['user', 'create', 'bob', '--role', 'member'])).stderr).toMatch(/--password-stdin/);
  });
});

describe('token', () => {
  it('create prints the secret alone on stdout and the warning on stderr', async () => {
    const before = Date.now();
    const r = await t.run(['token', 'create', 'ci', '--expires', '30d']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('gur_secret_123\n');
    expect(r.stderr).toMatch(/only time the secret is shown/);
    const expiresAt = Date.parse((t.api.calls('createToken')[0]?.json as { expiresAt: string }).expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(30 * 86_400_000 - 1000);
    expect((await t.run(['token', 'list'])).stdout).toMatch(
      /^NAME\s+CREATED\s+EXPIRES\s+LAST USED\s+ID\nci\s+/,
    );
    expect((await t.run(['token', 'revoke', 'ci'])).stdout).toMatch(/^Revoked token ci/);
  });
});

describe('quota and usage', () => {
  it('set changes only the limits given (read, merge, PUT); none is unlimited', async () => {
    await t.run(['quota', 'set', 'admin', '--max-vms', '5', '--max-memory', '8G']);
    const r = await t.run(['quota', 'set', 'admin', '--max-disk', '100G', '--max-vms', 'none']);
    expect(r.code).toBe(0);
    expect(t.api.calls('setUserQuota')[1]?.json).toEqual({
      maxVms: null,
      maxVcpus: null,
      maxMemoryBytes: 8 * 2 ** 30,
      maxDiskBytes: 100 * 2 ** 30,
    });
    expect((await t.run(['quota', 'show', 'admin'])).stdout).toMatch(
      /VMs\s+unlimited\nvCPUs\s+unlimited\nMemory\s+8 GiB\nDisk\s+100 GiB/,
    );
    expect((await t.run(['quota', 'set', 'admin'])).code).toBe(2);
  });

  it('usage shows what is used against the quota', async () => {
    expect((await t.run(['usage'])).stdout).toMatch(
      /^RESOURCE\s+USED\s+LIMIT\nVMs\s+0\s+unlimited\nvCPUs\s+2\s+unlimited\nMemory\s+1 GiB\s+unlimited\nDisk\s+10 GiB\s+unlimited\n$/,
    );
  });
});

describe('audit list', () => {
  it('passes the filters; --since takes a duration ago', async () => {
    const r = await t.run(['audit', 'list', '--since', '1h', '--actor', 'usr_admin']);
    expect(r.stdout).toMatch(
      /^TIME\s+ACTOR\s+ACTION\s+RESOURCE\s+OUTCOME\n.*usr_admin\s+vm\.create\s+vm\/x\s+succeeded\n$/,
    );
    const since = Date.parse(t.api.calls('listAuditEvents')[0]?.query.get('since') ?? '');
    expect(Math.abs(Date.now() - 3_600_000 - since)).toBeLessThan(5000);
    expect((await t.run(['audit', 'list', '--since', 'yesterday'])).code).toBe(2);
  });
});

describe('doctor', () => {
  it('prints the health of the server and the login, and where the host preflight is', async () => {
    const r = await t.run(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /Server:\s+http:\/\/127\.0\.0\.1:\d+ \(from GUREUM_URL\), version 0\.1\.0\nStatus:\s+ok\nlibvirt:\s+up\nDatabase:\s+up\nLogin:\s+admin \(admin\)/,
    );
    expect(r.stdout).toContain('`npm run doctor`');
  });

  it('exits 1 with hints when libvirt is down', async () => {
    t.api.on('getHealth', () => ({
      status: 200,
      body: { status: 'degraded', libvirt: 'down', database: 'up', version: '0.1.0' },
    }));
    const r = await t.run(['doctor']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Hint: libvirt is down: check `systemctl status libvirtd`/);
  });

  it('names the URL and suggests npm start when nothing listens', async () => {
    const url = await deadUrl();
    const r = await t.run(['doctor'], { env: { GUREUM_URL: url } });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: Cannot connect — connection to ${url} refused; is the Gureum server running there? Start it with \`npm start\` in the Gureum checkout, or point the CLI elsewhere with --url or GUREUM_URL [CONNECTION_REFUSED]\n`,
    );
  });
});
