import { ApiError } from '@gureum/client';
import { TaskKind, TaskStatus, type Task } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { describeError, formatError, ExitCode } from '../lib/errors.js';
import { ensureSucceeded, followTask } from '../lib/follow.js';
import { colorState, defined, percent } from '../lib/format.js';
import { allPages } from '../lib/lookup.js';
import { renderFields, renderTable } from '../lib/table.js';
import { formatAge } from '../lib/units.js';

export const TASK_STATUSES = TaskStatus.enum;
export const TASK_KINDS = TaskKind.enum;

export async function listTasks(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const filter = defined({
    status: input.choice('status', TASK_STATUSES),
    resource: input.string('resource'),
    kind: input.choice('kind', TASK_KINDS),
  });
  const max = input.int('limit', 1) ?? Infinity;
  const list = await allPages(
    (page) => client.listTasks({ ...filter, ...page }, { signal: ctx.signal }),
    max,
  );
  if (ctx.json) ctx.printJson(list);
  else if (list.items.length === 0) ctx.note('No tasks.');
  else
    ctx.print(
      renderTable<Task>(
        [
          { header: 'ID', value: (t) => t.id },
          { header: 'KIND', value: (t) => t.kind },
          { header: 'STATUS', value: (t) => colorState(t.status, ctx.color) },
          { header: 'PROGRESS', value: (t) => percent(t.progress), align: 'right' },
          { header: 'RESOURCE', value: (t) => `${t.resource.kind}/${t.resource.id}` },
          { header: 'CREATED', value: (t) => formatAge(t.createdAt) },
          { header: 'MESSAGE', value: (t) => t.message ?? '' },
        ],
        list.items,
      ),
    );
  return undefined;
}

function printTask(ctx: Context, t: Task): void {
  ctx.print(
    renderFields([
      ['ID', t.id],
      ['Kind', t.kind],
      ['Status', colorState(t.status, ctx.color)],
      ['Progress', percent(t.progress)],
      ['Message', t.message],
      ['Resource', `${t.resource.kind}/${t.resource.id}`],
      ['Actor', t.actorId],
      ['Created', `${t.createdAt} (${formatAge(t.createdAt)})`],
      ['Started', t.startedAt],
      ['Finished', t.finishedAt],
    ]),
  );
  if (t.error) ctx.print(`\n${formatError(describeError(ApiError.fromProblem(t.error)))}`.trimEnd());
}

export async function showTask(ctx: Context, input: Input): Promise<CommandResult> {
  const task = await ctx.client().getTask({ id: input.arg('ID') }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(task);
  else printTask(ctx, task);
  return undefined;
}

export async function waitTask(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const timeoutMs = input.duration('timeout');
  const first = await client.getTask({ id: input.arg('ID') }, { signal: ctx.signal });
  const task = await followTask(ctx, first, timeoutMs);
  if (ctx.json) ctx.printJson(task);
  else if (task.status === 'succeeded')
    ctx.print(`Task ${task.id} (${task.kind}) ${colorState(task.status, ctx.color)}.`);
  ensureSucceeded(task); // a failed or cancelled task exits 1 with its problem
  return ExitCode.Ok;
}

export async function cancelTask(ctx: Context, input: Input): Promise<CommandResult> {
  const task = await ctx.client().cancelTask({ id: input.arg('ID') }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(task);
  else if (task.status === 'cancelled') ctx.print(`Task ${task.id} (${task.kind}) cancelled.`);
  else
    ctx.print(
      `Cancellation of task ${task.id} (${task.kind}) requested; it is ${task.status}. \`gureum task wait ${task.id}\` follows it.`,
    );
  return undefined;
}
