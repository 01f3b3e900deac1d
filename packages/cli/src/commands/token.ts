import type { Token } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { findToken } from '../lib/lookup.js';
import { renderTable } from '../lib/table.js';
import { formatAge } from '../lib/units.js';

export async function listTokens(ctx: Context): Promise<CommandResult> {
  const list = await ctx.client().listTokens({}, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(list);
  else if (list.items.length === 0) ctx.note('No API tokens.');
  else
    ctx.print(
      renderTable<Token>(
        [
          { header: 'NAME', value: (t) => t.name },
          { header: 'CREATED', value: (t) => formatAge(t.createdAt) },
          { header: 'EXPIRES', value: (t) => t.expiresAt ?? 'never' },
          { header: 'LAST USED', value: (t) => (t.lastUsedAt ? formatAge(t.lastUsedAt) : 'never') },
          { header: 'ID', value: (t) => t.id },
        ],
        list.items,
      ),
    );
  return undefined;
}

/**
 * Creates a token and prints its secret once. The secret alone goes to stdout (so `TOKEN=$(gureum token create
 * ci)` works); the warning goes to stderr.
 */
export async function createToken(ctx: Context, input: Input): Promise<CommandResult> {
  const expiresMs = input.duration('expires');
  const expiresAt = expiresMs === undefined ? undefined : new Date(Date.now() + expiresMs).toISOString();
  const created = await ctx
    .client()
    .createToken({ name: input.arg('NAME'), ...(expiresAt ? { expiresAt } : {}) }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(created);
  else ctx.print(created.token);
  ctx.note(
    `Token ${created.name} (${created.id}) created, expires ${created.expiresAt ?? 'never'}.\n` +
      'Warning: this is the only time the secret is shown. Store it now; use it as GUREUM_TOKEN or a Bearer token.',
  );
  return undefined;
}

export async function revokeToken(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const token = await findToken(client, input.arg('ID|NAME'));
  await client.deleteToken({ id: token.id }, { signal: ctx.signal });
  if (!ctx.json) ctx.print(`Revoked token ${token.name} (${token.id}).`);
  return undefined;
}
