import { IdParams, WaitDryRunQuery, WaitQuery } from '../common.js';
import { defineRoute } from '../route.js';
import { DriftAdoptOptions, DriftCleanOptions, DriftFindingList } from '../schemas/ops.schemas.js';
import { Task, TaskAccepted, TaskList, TaskListQuery } from '../schemas/task.schemas.js';
import { DeletePlan } from '../schemas/vm.schemas.js';
import { NoContent } from '../common.js';

/** Tasks and drift findings. */
export const taskRoutes = {
  listTasks: defineRoute({
    method: 'GET',
    url: '/tasks',
    summary: 'List tasks, newest first',
    tags: ['tasks'],
    auth: 'user',
    querystring: TaskListQuery,
    response: { 200: TaskList },
  }),
  getTask: defineRoute({
    method: 'GET',
    url: '/tasks/:id',
    summary: 'Get a task; ?wait=true holds the request until it ends or timeoutMs passes',
    tags: ['tasks'],
    auth: 'user',
    params: IdParams,
    querystring: WaitQuery,
    response: { 200: Task },
    wait: true,
    errors: ['TASK_NOT_FOUND'],
  }),
  cancelTask: defineRoute({
    method: 'POST',
    url: '/tasks/:id/actions/cancel',
    summary: 'Ask a task to stop; the steps it took are undone and it ends `cancelled`',
    tags: ['tasks'],
    auth: 'user',
    params: IdParams,
    response: { 200: Task },
    errors: ['TASK_NOT_FOUND', 'TASK_NOT_CANCELLABLE'],
  }),
  listDriftFindings: defineRoute({
    method: 'GET',
    url: '/drift',
    summary: 'Differences between the database, libvirt and the managed pools',
    tags: ['drift'],
    auth: 'user',
    adminOnly: true,
    response: { 200: DriftFindingList },
    errors: ['LIBVIRT_UNAVAILABLE'],
  }),
  adoptDriftFinding: defineRoute({
    method: 'POST',
    url: '/drift/:id/actions/adopt',
    summary: 'Adopt what the finding is about (e.g. a domain with no DB row)',
    tags: ['drift'],
    auth: 'user',
    adminOnly: true,
    params: IdParams,
    querystring: WaitQuery,
    body: DriftAdoptOptions,
    response: { 202: TaskAccepted, 204: NoContent },
    task: true,
    wait: true,
    errors: ['DRIFT_FINDING_NOT_FOUND', 'DRIFT_ACTION_UNSUPPORTED', 'LIBVIRT_UNAVAILABLE'],
  }),
  cleanDriftFinding: defineRoute({
    method: 'POST',
    url: '/drift/:id/actions/clean',
    summary: 'Remove what the finding is about (e.g. an orphan volume); ?dryRun=true returns the plan',
    tags: ['drift'],
    auth: 'user',
    adminOnly: true,
    params: IdParams,
    querystring: WaitDryRunQuery,
    body: DriftCleanOptions,
    response: { 202: TaskAccepted, 200: DeletePlan, 204: NoContent },
    task: true,
    wait: true,
    dryRun: true,
    errors: ['DRIFT_FINDING_NOT_FOUND', 'DRIFT_ACTION_UNSUPPORTED', 'LIBVIRT_UNAVAILABLE'],
  }),
} as const;
