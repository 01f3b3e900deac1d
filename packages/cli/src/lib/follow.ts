// Following a task to its end, with a progress line on a terminal. It polls `GET /tasks/{id}?wait=true` in short
// slices: the server holds each request until the task ends or the slice runs out, so there is no busy polling and
// the line is refreshed about once a second.
import { ApiError, TaskWaitTimeoutError } from '@gureum/client';
import { isTaskFinished, type Task } from '@gureum/contract';
import type { Context } from './context.js';
import { CliError, ExitCode } from './errors.js';
import { renderTaskProgress } from './progress.js';

/** Slice of a wait when a progress line is shown (how often it refreshes). */
const LIVE_SLICE_MS = 1000;
/** Slice of a wait without progress output (the server's default hold). */
const QUIET_SLICE_MS = 30_000;
/** Never ask again sooner than this if the server answers a wait early. */
const MIN_POLL_MS = 250;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function interrupted(task: Task): CliError {
  return new CliError(
    'Interrupted',
    `stopped waiting; task ${task.id} (${task.kind}) goes on on the server`,
    'INTERRUPTED',
    ExitCode.Interrupted,
    {
      hint: `Follow it with \`gureum task wait ${task.id}\`, or cancel it with \`gureum task cancel ${task.id}\`.`,
    },
  );
}

/**
 * Waits until `task` has ended and returns it, showing its progress on stderr when progress is on.
 *
 * @throws TaskWaitTimeoutError after `timeoutMs`; CliError `INTERRUPTED` (exit 130) on Ctrl-C.
 */
export async function followTask(ctx: Context, task: Task, timeoutMs?: number): Promise<Task> {
  const client = ctx.client();
  const line = ctx.progress();
  const started = Date.now();
  const deadline = timeoutMs === undefined ? Infinity : started + timeoutMs;
  let current = task;
  try {
    while (!isTaskFinished(current)) {
      line?.update(renderTaskProgress(current, Date.now() - started));
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new TaskWaitTimeoutError(current);
      const slice = Math.max(0, Math.min(line ? LIVE_SLICE_MS : QUIET_SLICE_MS, remaining));
      const asked = Date.now();
      current = await client.getTask(
        { id: current.id },
        { wait: true, timeoutMs: slice, signal: ctx.signal },
      );
      const elapsed = Date.now() - asked;
      if (!isTaskFinished(current) && elapsed < MIN_POLL_MS) await sleep(MIN_POLL_MS - elapsed);
    }
  } catch (err: unknown) {
    line?.clear();
    if (ctx.signal.aborted) throw interrupted(current);
    throw err;
  }
  line?.done(renderTaskProgress(current, Date.now() - started));
  return current;
}

/**
 * Throws what a task that did not succeed means: its Problem (`error: <title> — <detail> [<code>]`), or a
 * `TASK_CANCELLED` error.
 */
export function ensureSucceeded(task: Task): Task {
  if (task.status === 'succeeded') return task;
  if (task.status === 'failed' && task.error) throw ApiError.fromProblem(task.error);
  if (task.status === 'cancelled')
    throw new CliError('Task cancelled', `task ${task.id} (${task.kind}) was cancelled`, 'TASK_CANCELLED');
  throw new CliError('Task failed', `task ${task.id} (${task.kind}) ended ${task.status}`, 'TASK_FAILED');
}

/** The line printed after `--no-wait`. */
export function taskStartedNote(task: Task): string {
  return `Task ${task.id} (${task.kind}) ${task.status}; follow it with \`gureum task wait ${task.id}\`.`;
}
