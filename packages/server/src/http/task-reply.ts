import { BASE_PATH } from '@gureum/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TaskRecord } from '../domain/model.js';
import { isFinished, toPublicTask, type TaskEngine } from '../tasks/index.js';
import { sendProblem } from './problem.js';

/** How long `?wait=true` holds a request by default. */
export const DEFAULT_WAIT_MS = 30_000;

/**
 * Answers a task-starting request: 202 + `Location` + `{ task }`, or with `?wait=true` holds until the task ends
 * and answers with its final resource (`done`), or with the task's Problem when it failed. A wait that runs out
 * answers 202 like a plain request.
 */
export async function replyWithTask(
  req: FastifyRequest,
  reply: FastifyReply,
  engine: TaskEngine,
  task: TaskRecord,
  query: { wait?: boolean; timeoutMs?: number },
  done: (finished: TaskRecord) => Promise<{ status: number; body?: unknown }>,
): Promise<FastifyReply> {
  void reply.header('location', `${BASE_PATH}/tasks/${task.id}`);
  if (!query.wait) return reply.code(202).send({ task: toPublicTask(task) });
  const aborted = new AbortController();
  const onClose = (): void => aborted.abort();
  req.raw.once('close', onClose);
  let finished: TaskRecord;
  try {
    finished = await engine.wait(task.id, {
      timeoutMs: query.timeoutMs ?? DEFAULT_WAIT_MS,
      signal: aborted.signal,
    });
  } finally {
    req.raw.off('close', onClose);
  }
  if (!isFinished(finished.status)) return reply.code(202).send({ task: toPublicTask(finished) });
  if (finished.status !== 'succeeded' && finished.error) {
    return sendProblem(reply, { ...finished.error, instance: req.url.split('?')[0] ?? req.url });
  }
  const result = await done(finished);
  return reply.code(result.status).send(result.body);
}
