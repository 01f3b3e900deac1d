import { isDateTime, type AuditEvent } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { defined, orDash } from '../lib/format.js';
import { allPages } from '../lib/lookup.js';
import { renderTable } from '../lib/table.js';
import { parseDuration } from '../lib/units.js';

/** `--since`: a timestamp (`2025-01-01T00:00:00Z`, or a date `2025-01-01`), or a duration ago (`1h`, `7d`). */
export function parseSince(text: string, now: Date = new Date()): string | undefined {
  if (isDateTime(text)) return new Date(text).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)))
    return new Date(text).toISOString();
  const ago = /^\d/.test(text) ? parseDuration(text) : undefined;
  return ago === undefined ? undefined : new Date(now.getTime() - ago).toISOString();
}

export async function listAudit(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const sinceText = input.string('since');
  const since = sinceText === undefined ? undefined : parseSince(sinceText);
  if (sinceText !== undefined && since === undefined)
    input.usageError(
      '--since takes a timestamp (2025-01-31T12:00:00Z, 2025-01-31) or a duration ago (1h, 7d)',
    );
  const filter = defined({ actor: input.string('actor'), resource: input.string('resource'), since });
  const max = input.int('limit', 1) ?? Infinity;
  const list = await allPages(
    (page) => client.listAuditEvents({ ...filter, ...page }, { signal: ctx.signal }),
    max,
  );
  if (ctx.json) ctx.printJson(list);
  else if (list.items.length === 0) ctx.note('No audit events.');
  else
    ctx.print(
      renderTable<AuditEvent>(
        [
          { header: 'TIME', value: (e) => e.time },
          { header: 'ACTOR', value: (e) => orDash(e.actorId) },
          { header: 'ACTION', value: (e) => e.action },
          { header: 'RESOURCE', value: (e) => (e.resource ? `${e.resource.kind}/${e.resource.id}` : '-') },
          {
            header: 'OUTCOME',
            value: (e) => (e.outcome === 'failed' ? ctx.color.red(e.outcome) : e.outcome),
          },
        ],
        list.items,
      ),
    );
  return undefined;
}
