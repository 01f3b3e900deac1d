import type { Selectable } from 'kysely';
import type { ProblemData, StepStatus, TaskRecord, TaskStatus, TaskStepRecord } from '../../domain/model.js';
import type { Page, TaskListFilter, TaskStore } from '../../ports/repositories.js';
import type { DbContext } from './context.js';
import { translateUnique } from './errors.js';
import {
  decodeCursor,
  fromFlag,
  fromJson,
  isoTime,
  isoTimeOrNull,
  pageSize,
  toColumns,
  toFlag,
  toJson,
  toPage,
  type ColumnMap,
} from './mapping.js';
import type { TaskStepsTable, TasksTable } from './schema.js';

type TaskFields = Omit<TaskRecord, 'id' | 'kind' | 'createdAt'>;

export function toTask(row: Selectable<TasksTable>): TaskRecord {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status as TaskStatus,
    progress: row.progress,
    message: row.message,
    resourceKind: row.resource_kind,
    resourceId: row.resource_id,
    actorId: row.actor_id,
    ownerId: row.owner_id,
    input: fromJson(row.input),
    result: fromJson(row.result),
    // Written only from a ProblemData by `update`/`insert`.
    error: fromJson(row.error) as ProblemData | null,
    requestId: row.request_id,
    cancelRequested: fromFlag(row.cancel_requested),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    heartbeatAt: row.heartbeat_at,
  };
}

export function toTaskStep(row: Selectable<TaskStepsTable>): TaskStepRecord {
  return {
    taskId: row.task_id,
    seq: row.seq,
    name: row.name,
    status: row.status as StepStatus,
    undoData: fromJson(row.undo_data),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const taskColumns: ColumnMap<TaskFields, TasksTable> = {
  status: (v) => ({ status: v }),
  progress: (v) => ({ progress: v }),
  message: (v) => ({ message: v }),
  resourceKind: (v) => ({ resource_kind: v }),
  resourceId: (v) => ({ resource_id: v }),
  actorId: (v) => ({ actor_id: v }),
  ownerId: (v) => ({ owner_id: v }),
  input: (v) => ({ input: toJson(v) }),
  result: (v) => ({ result: toJson(v) }),
  error: (v) => ({ error: toJson(v) }),
  requestId: (v) => ({ request_id: v }),
  cancelRequested: (v) => ({ cancel_requested: toFlag(v) }),
  startedAt: (v) => ({ started_at: isoTimeOrNull(v) }),
  finishedAt: (v) => ({ finished_at: isoTimeOrNull(v) }),
  heartbeatAt: (v) => ({ heartbeat_at: isoTimeOrNull(v) }),
};

/** Tasks, newest first, paged by keyset on (created_at, id); and their step journal. */
export class KyselyTaskStore implements TaskStore {
  constructor(private readonly ctx: DbContext) {}

  async insert(task: TaskRecord): Promise<void> {
    // taskColumns is total over TaskFields, so a whole record yields every column but these (toColumns skips
    // `undefined`, which `input` and `result` may be: they are stored as NULL).
    const columns = toColumns(task, taskColumns) as Omit<
      TasksTable,
      'id' | 'kind' | 'created_at' | 'input' | 'result'
    >;
    const row: TasksTable = {
      ...columns,
      id: task.id,
      kind: task.kind,
      input: toJson(task.input),
      result: toJson(task.result),
      created_at: isoTime(task.createdAt),
    };
    await translateUnique(() => this.ctx.executor().insertInto('tasks').values(row).execute());
  }

  async findById(id: string): Promise<TaskRecord | null> {
    const row = await this.ctx
      .executor()
      .selectFrom('tasks')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toTask(row) : null;
  }

  /** One page, newest first. An empty `statuses` list filters nothing. */
  async list(filter: TaskListFilter): Promise<Page<TaskRecord>> {
    const limit = pageSize(filter.limit);
    let query = this.ctx.executor().selectFrom('tasks').selectAll();
    if (filter.ownerId !== undefined) query = query.where('owner_id', '=', filter.ownerId);
    if (filter.resourceId !== undefined) query = query.where('resource_id', '=', filter.resourceId);
    if (filter.statuses !== undefined && filter.statuses.length > 0)
      query = query.where('status', 'in', filter.statuses);
    if (filter.kinds !== undefined && filter.kinds.length > 0)
      query = query.where('kind', 'in', filter.kinds);
    if (filter.cursor !== undefined) {
      const [createdAt, id] = decodeCursor(filter.cursor, ['string', 'string']);
      query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(createdAt, id)));
    }
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit, toTask, (row) => [row.created_at, row.id]);
  }

  async update(id: string, patch: Partial<TaskFields>): Promise<TaskRecord | null> {
    const set = toColumns(patch, taskColumns);
    if (Object.keys(set).length === 0) return this.findById(id);
    const executor = this.ctx.executor();
    const row = await executor
      .updateTable('tasks')
      .set(set)
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    return row ? toTask(row) : null;
  }

  /** Queued or running tasks, oldest first. */
  async listUnfinished(): Promise<TaskRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('tasks')
      .selectAll()
      .where('status', 'in', ['queued', 'running'])
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toTask);
  }

  /** Throws UniqueViolation('task_steps.task_id+seq') when the step was already journaled. */
  async insertStep(step: TaskStepRecord): Promise<void> {
    await translateUnique(() =>
      this.ctx
        .executor()
        .insertInto('task_steps')
        .values({
          task_id: step.taskId,
          seq: step.seq,
          name: step.name,
          status: step.status,
          undo_data: toJson(step.undoData),
          created_at: isoTime(step.createdAt),
          updated_at: isoTime(step.updatedAt),
        })
        .execute(),
    );
  }

  async updateStep(
    taskId: string,
    seq: number,
    patch: Partial<Pick<TaskStepRecord, 'status' | 'undoData' | 'updatedAt'>>,
  ): Promise<void> {
    const set: Partial<TaskStepsTable> = {};
    if (patch.status !== undefined) set.status = patch.status;
    if ('undoData' in patch) set.undo_data = toJson(patch.undoData);
    if (patch.updatedAt !== undefined) set.updated_at = isoTime(patch.updatedAt);
    if (Object.keys(set).length === 0) return;
    await this.ctx
      .executor()
      .updateTable('task_steps')
      .set(set)
      .where('task_id', '=', taskId)
      .where('seq', '=', seq)
      .execute();
  }

  async countByKindAndStatus(): Promise<{ kind: string; status: TaskStatus; count: number }[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('tasks')
      .select((eb) => ['kind', 'status', eb.fn.countAll<number>().as('count')])
      .groupBy(['kind', 'status'])
      .orderBy('kind')
      .orderBy('status')
      .execute();
    return rows.map((r) => ({ kind: r.kind, status: r.status as TaskStatus, count: r.count }));
  }

  async listSteps(taskId: string): Promise<TaskStepRecord[]> {
    const rows = await this.ctx
      .executor()
      .selectFrom('task_steps')
      .selectAll()
      .where('task_id', '=', taskId)
      .orderBy('seq')
      .execute();
    return rows.map(toTaskStep);
  }
}
