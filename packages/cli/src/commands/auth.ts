import { createGureumClient } from '@gureum/client';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { saveCredentials, withLogin, withoutLogin } from '../lib/credentials.js';
import { UsageError } from '../lib/errors.js';
import { promptLine, readAllStdin, type Io } from '../lib/io.js';

/** Where a password comes from: `--password-stdin`, else a prompt without echo on a terminal. */
export async function readPassword(
  io: Io,
  input: Input,
  question = 'Password: ',
  twice = false,
): Promise<string> {
  if (input.has('password-stdin')) {
    const password = await readAllStdin(io.stdin);
    if (!password) input.usageError('--password-stdin: stdin was empty');
    return password;
  }
  if (io.stdin.isTTY !== true)
    input.usageError('no terminal to ask for the password on; pipe it in with --password-stdin');
  const password = await promptLine(io, question, true);
  if (twice && (await promptLine(io, 'Again: ', true)) !== password)
    throw new UsageError('the two passwords differ', undefined, 'PASSWORD_MISMATCH');
  return password;
}

export async function login(ctx: Context, input: Input): Promise<CommandResult> {
  const { url } = ctx.target;
  let username = input.string('username');
  if (username === undefined) {
    if (ctx.io.stdin.isTTY !== true || input.has('password-stdin'))
      input.usageError('--username is required when there is no terminal to ask on');
    username = (await promptLine(ctx.io, 'Username: ')).trim();
  }
  const password = await readPassword(ctx.io, input);
  const session = await ctx.anonymousClient().login({ username, password }, { signal: ctx.signal });
  const me = await createGureumClient({ baseUrl: url, token: session.token }).getMe(
    {},
    { signal: ctx.signal },
  );
  await saveCredentials(
    ctx.credentialsPath,
    withLogin(ctx.credentials, url, {
      token: session.token,
      username: me.username,
      expiresAt: session.expiresAt,
    }),
  );
  if (ctx.json) ctx.printJson(me);
  else
    ctx.print(
      `Logged in to ${url} as ${me.username} (${me.role}); the session expires ${session.expiresAt}.`,
    );
  if (ctx.target.tokenSource === 'GUREUM_TOKEN')
    ctx.note('Note: GUREUM_TOKEN is set in the environment and is used instead of this login.');
  return undefined;
}

export async function logout(ctx: Context): Promise<CommandResult> {
  const { url, login: stored } = ctx.target;
  if (!stored) {
    ctx.note(`Not logged in to ${url}.`);
  } else {
    try {
      // Revoke the session on the server too; the local copy goes whatever happens.
      await createGureumClient({ baseUrl: url, token: stored.token }).logout({}, { signal: ctx.signal });
    } catch {
      ctx.note('The server could not be told (unreachable, or the session had already ended).');
    }
    await saveCredentials(ctx.credentialsPath, withoutLogin(ctx.credentials, url));
    if (!ctx.json) ctx.print(`Logged out of ${url}.`);
  }
  if (ctx.target.tokenSource === 'GUREUM_TOKEN')
    ctx.note('Note: GUREUM_TOKEN is still set in the environment; unset it to stop using that token.');
  return undefined;
}

/** The current and the new password: prompted for on a terminal, or two lines on stdin (`--password-stdin`). */
async function readPasswordChange(
  io: Io,
  input: Input,
): Promise<{ currentPassword: string; newPassword: string }> {
  if (input.has('password-stdin')) {
    const lines = (await readAllStdin(io.stdin)).split(/\r?\n/);
    const [currentPassword, newPassword] = lines;
    if (lines.length !== 2 || !currentPassword || !newPassword)
      input.usageError('--password-stdin: give two lines, the current password and then the new one');
    return { currentPassword, newPassword };
  }
  if (io.stdin.isTTY !== true)
    input.usageError('no terminal to ask for the passwords on; pipe them in with --password-stdin');
  const currentPassword = await promptLine(io, 'Current password: ', true);
  const newPassword = await promptLine(io, 'New password: ', true);
  if ((await promptLine(io, 'Again: ', true)) !== newPassword)
    throw new UsageError('the two passwords differ', undefined, 'PASSWORD_MISMATCH');
  return { currentPassword, newPassword };
}

/** `gureum password`: changes the caller's own password; the server ends the caller's other sessions. */
export async function changePassword(ctx: Context, input: Input): Promise<CommandResult> {
  const change = await readPasswordChange(ctx.io, input);
  await ctx.client().changeMyPassword(change, { signal: ctx.signal });
  if (!ctx.json)
    ctx.print('Password changed. Your other sessions have ended; this login and your API tokens still work.');
  return undefined;
}

export async function whoami(ctx: Context): Promise<CommandResult> {
  const me = await ctx.client().getMe({}, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(me);
  else {
    const from = ctx.target.tokenSource === 'GUREUM_TOKEN' ? 'token from GUREUM_TOKEN' : 'stored login';
    ctx.print(`${me.username} (${me.role}) on ${ctx.target.url} — ${from}`);
  }
  return undefined;
}
