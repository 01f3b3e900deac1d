import type { Quota } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { findUser } from '../lib/lookup.js';
import { renderTable } from '../lib/table.js';
import { formatSize } from '../lib/units.js';

type Limit = number | null;
const count = (n: Limit): string => (n === null ? 'unlimited' : String(n));
const bytes = (n: Limit): string => (n === null ? 'unlimited' : formatSize(n));

interface Row {
  readonly resource: string;
  readonly used?: string;
  readonly limit: string;
}

function quotaRows(
  q: Quota,
  used?: { vms: number; vcpus: number; memoryBytes: number; diskBytes: number },
): Row[] {
  return [
    { resource: 'VMs', limit: count(q.maxVms), ...(used ? { used: String(used.vms) } : {}) },
    { resource: 'vCPUs', limit: count(q.maxVcpus), ...(used ? { used: String(used.vcpus) } : {}) },
    {
      resource: 'Memory',
      limit: bytes(q.maxMemoryBytes),
      ...(used ? { used: formatSize(used.memoryBytes) } : {}),
    },
    { resource: 'Disk', limit: bytes(q.maxDiskBytes), ...(used ? { used: formatSize(used.diskBytes) } : {}) },
  ];
}

function printQuota(ctx: Context, q: Quota): void {
  ctx.print(
    renderTable<Row>(
      [
        { header: 'RESOURCE', value: (r) => r.resource },
        { header: 'LIMIT', value: (r) => r.limit, align: 'right' },
      ],
      quotaRows(q),
    ),
  );
}

export async function showQuota(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const user = await findUser(client, input.arg('USER'));
  const quota = await client.getUserQuota({ id: user.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(quota);
  else printQuota(ctx, quota);
  return undefined;
}

/**
 * Changes some limits of a user's quota. The API replaces the whole quota (PUT), so the current one is read
 * first and only the limits given are changed.
 */
export async function setQuota(ctx: Context, input: Input): Promise<CommandResult> {
  const changes: Partial<Quota> = {};
  const maxVms = input.limit('max-vms', (n) => input.int(n, 0));
  const maxVcpus = input.limit('max-vcpus', (n) => input.int(n, 0));
  const maxMemoryBytes = input.limit('max-memory', (n) => input.size(n));
  const maxDiskBytes = input.limit('max-disk', (n) => input.size(n));
  if (maxVms !== undefined) changes.maxVms = maxVms;
  if (maxVcpus !== undefined) changes.maxVcpus = maxVcpus;
  if (maxMemoryBytes !== undefined) changes.maxMemoryBytes = maxMemoryBytes;
  if (maxDiskBytes !== undefined) changes.maxDiskBytes = maxDiskBytes;
  if (Object.keys(changes).length === 0)
    input.usageError('nothing to change: give --max-vms, --max-vcpus, --max-memory or --max-disk');
  const client = ctx.client();
  const user = await findUser(client, input.arg('USER'));
  const current = await client.getUserQuota({ id: user.id }, { signal: ctx.signal });
  const quota = await client.setUserQuota({ id: user.id, ...current, ...changes }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(quota);
  else {
    ctx.print(`Quota of ${user.username}:`);
    printQuota(ctx, quota);
  }
  return undefined;
}

export async function showUsage(ctx: Context): Promise<CommandResult> {
  const usage = await ctx.client().getMyUsage({}, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(usage);
  else
    ctx.print(
      renderTable<Row>(
        [
          { header: 'RESOURCE', value: (r) => r.resource },
          { header: 'USED', value: (r) => r.used ?? '', align: 'right' },
          { header: 'LIMIT', value: (r) => r.limit, align: 'right' },
        ],
        quotaRows(usage.quota, usage),
      ),
    );
  return undefined;
}
