import { Role, type User } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { defined } from '../lib/format.js';
import { allPages, findUser } from '../lib/lookup.js';
import { renderFields, renderTable } from '../lib/table.js';
import { formatAge } from '../lib/units.js';
import { readPassword } from './auth.js';

export const ROLES = Role.enum;

export async function listUsers(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const filter = defined({ role: input.choice('role', ROLES) });
  const list = await allPages((page) => client.listUsers({ ...filter, ...page }, { signal: ctx.signal }));
  if (ctx.json) ctx.printJson(list);
  else
    ctx.print(
      renderTable<User>(
        [
          { header: 'USERNAME', value: (u) => u.username },
          { header: 'ROLE', value: (u) => u.role },
          { header: 'CREATED', value: (u) => formatAge(u.createdAt) },
          { header: 'ID', value: (u) => u.id },
        ],
        list.items,
      ),
    );
  return undefined;
}

function printUser(ctx: Context, u: User): void {
  ctx.print(
    renderFields([
      ['Username', u.username],
      ['ID', u.id],
      ['Role', u.role],
      ['Created', `${u.createdAt} (${formatAge(u.createdAt)})`],
    ]),
  );
}

export async function createUser(ctx: Context, input: Input): Promise<CommandResult> {
  const username = input.arg('NAME');
  const role = input.choice('role', ROLES) ?? input.usageError('--role is required');
  const password = await readPassword(ctx.io, input, `Password for ${username}: `, true);
  const user = await ctx.client().createUser({ username, role, password }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(user);
  else ctx.print(`Created user ${user.username} (${user.role}), id ${user.id}.`);
  return undefined;
}

export async function showUser(ctx: Context, input: Input): Promise<CommandResult> {
  const user = await findUser(ctx.client(), input.arg('USER'));
  if (ctx.json) ctx.printJson(user);
  else printUser(ctx, user);
  return undefined;
}

export async function updateUser(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const user = await findUser(client, input.arg('USER'));
  const role = input.choice('role', ROLES);
  const wantsPassword = input.has('password') || input.has('password-stdin');
  if (role === undefined && !wantsPassword)
    input.usageError('nothing to change: give --role, --password or --password-stdin');
  const password = wantsPassword
    ? await readPassword(ctx.io, input, `New password for ${user.username}: `, true)
    : undefined;
  const updated = await client.updateUser(
    { id: user.id, ...defined({ role, password }) },
    { signal: ctx.signal },
  );
  if (ctx.json) ctx.printJson(updated);
  else ctx.print(`Updated user ${updated.username} (${updated.role}).`);
  return undefined;
}

export async function deleteUser(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const user = await findUser(client, input.arg('USER'));
  await client.deleteUser({ id: user.id }, { signal: ctx.signal });
  if (!ctx.json) ctx.print(`Deleted user ${user.username} (${user.id}); their tokens are revoked.`);
  return undefined;
}
