import { EventTopic, type EventEnvelope, type EventTopic as Topic } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ExitCode } from '../lib/errors.js';
import { colorState, percent } from '../lib/format.js';
import { formatDuration } from '../lib/units.js';

export const EVENT_TOPICS = EventTopic.enum;

/** The human summary of an event's data. */
export function describeEvent(e: EventEnvelope): string {
  switch (e.type) {
    case 'vm.started':
    case 'vm.stopped':
    case 'vm.paused':
    case 'vm.resumed':
    case 'vm.crashed':
    case 'vm.suspended':
      return `${e.data.name}: ${e.data.previousState} → ${e.data.state} (${e.data.reason})`;
    case 'vm.created':
    case 'vm.updated':
      return `${e.data.vm.name}: ${e.data.vm.state}`;
    case 'vm.deleted':
    case 'image.deleted':
      return e.data.name;
    case 'vm.media-changed':
      return e.data.media ? `inserted ${e.data.media.name}` : 'ejected';
    case 'vm.installation-changed':
      return `installation ${e.data.installation.status}`;
    case 'task.updated': {
      const t = e.data.task;
      return `${t.kind} ${t.status} ${percent(t.progress)}${t.message ? ` — ${t.message}` : ''}`;
    }
    case 'image.updated':
      return `${e.data.image.name}: ${e.data.image.status}`;
    case 'drift.detected':
      return e.data.finding.summary;
    case 'sync.reset':
      return `the replay is incomplete (${e.data.reason}); refetch what you keep`;
  }
}

function parseTopics(input: Input): Topic[] | undefined {
  const raw = input.string('topics');
  if (raw === undefined) return undefined;
  const topics = raw
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const topicsOk = (list: string[]): list is Topic[] => list.every((t) => EVENT_TOPICS.some((k) => k === t));
  if (topics.length === 0 || !topicsOk(topics))
    input.usageError(`--topics takes a comma-separated list of ${EVENT_TOPICS.join(', ')}`);
  return topics;
}

/**
 * Follows the live event stream until Ctrl-C (exit 0). The client reconnects after drops and resumes after the
 * last event printed, so nothing is printed twice or missed (unless the server says `sync.reset`).
 */
export async function followEvents(ctx: Context, input: Input): Promise<CommandResult> {
  const since = input.int('since', 0);
  const topics = parseTopics(input);
  const client = ctx.client();
  await client.getMe({}, { signal: ctx.signal }); // a wrong URL or token fails here, clearly, before the stream retries
  const c = ctx.color;
  const print = (e: EventEnvelope): void => {
    if (ctx.json) ctx.print(JSON.stringify(e));
    else {
      const type = e.type.endsWith('.crashed') ? c.red(e.type) : c.cyan(e.type);
      const summary = describeEvent(e).replace(/\b(running|stopped|paused|crashed|failed|succeeded)\b/, (w) =>
        colorState(w, c),
      );
      ctx.print(`${e.time}  ${c.dim(`#${e.id}`)}  ${type}  ${e.resource.kind}/${e.resource.id}  ${summary}`);
    }
  };
  let reconnecting = false;
  let opened = false;
  return new Promise<CommandResult>((resolve, reject) => {
    const subscription = client.events({
      ...(since !== undefined ? { since } : {}),
      ...(topics ? { topics } : {}),
      signal: ctx.signal,
      onEvent: print,
      onState: (state, info) => {
        if (state === 'reconnecting') {
          reconnecting = true;
          ctx.note(
            `Disconnected; reconnecting in ${formatDuration(info.delayMs ?? 0)} (attempt ${info.attempt})…`,
          );
        } else if (state === 'open' && !opened) {
          // On stderr, so that a user (or a script) knows the stream is live before it triggers anything.
          opened = true;
          ctx.note(`Following events on ${ctx.target.url} (Ctrl-C to stop).`);
        } else if (state === 'open' && reconnecting) {
          reconnecting = false;
          const last = subscription.lastEventId;
          ctx.note(last === undefined ? 'Reconnected.' : `Reconnected; resuming after event #${last}.`);
        } else if (state === 'closed') {
          if (info.error) reject(info.error);
          else resolve(ExitCode.Ok); // Ctrl-C
        }
      },
      onError: () => undefined, // fatal errors arrive with the `closed` state above
    });
  });
}
