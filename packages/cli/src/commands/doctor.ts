import { isApiError } from '@gureum/client';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { colorState } from '../lib/format.js';
import { renderFields } from '../lib/table.js';

const HINTS = {
  libvirt:
    'libvirt is down: check `systemctl status libvirtd` (or virtqemud) on the server host, and that the server user may open GUREUM_LIBVIRT_URI (default qemu:///system).',
  database:
    'The database is down: check GUREUM_DATABASE_URL (PostgreSQL must be running and reachable) or, for SQLite, that GUREUM_DATA_DIR is writable.',
} as const;

/**
 * Checks what can be checked from here: the server answers, its libvirt and database are up, and the token works.
 * The full host preflight (KVM, libvirt, storage, permissions) runs on the server host: `npm run doctor`.
 */
export async function doctor(ctx: Context): Promise<CommandResult> {
  const { url, urlSource, tokenSource } = ctx.target;
  const health = await ctx.anonymousClient().getHealth({}, { signal: ctx.signal });
  let login: string;
  let loginOk = true;
  if (ctx.target.token === undefined) {
    login = 'not logged in — run `gureum login` or set GUREUM_TOKEN';
    loginOk = false;
  } else {
    try {
      const me = await ctx.client().getMe({}, { signal: ctx.signal });
      login = `${me.username} (${me.role}), ${tokenSource === 'GUREUM_TOKEN' ? 'token from GUREUM_TOKEN' : 'stored login'}`;
    } catch (err: unknown) {
      if (!isApiError(err) || err.status !== 401) throw err;
      login = `the token is not accepted (${err.code}) — run \`gureum login\` again`;
      loginOk = false;
    }
  }
  const healthy = health.status === 'ok' && health.libvirt === 'up' && health.database === 'up';
  if (ctx.json) ctx.printJson(health);
  else {
    const c = ctx.color;
    ctx.print(
      renderFields([
        ['Server', `${url} (from ${urlSource === 'flag' ? '--url' : urlSource}), version ${health.version}`],
        ['Status', colorState(health.status, c)],
        ['libvirt', colorState(health.libvirt, c)],
        ['Database', colorState(health.database, c)],
        ['Login', loginOk ? login : c.yellow(login)],
      ]),
    );
    if (health.libvirt === 'down') ctx.print(`Hint: ${HINTS.libvirt}`);
    if (health.database === 'down') ctx.print(`Hint: ${HINTS.database}`);
    ctx.print(
      'For the full preflight of the server host (KVM, libvirt, storage, permissions), run `npm run doctor` there.',
    );
  }
  return healthy && loginOk ? ExitCode.Ok : ExitCode.Failure;
}
