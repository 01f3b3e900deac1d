import { describe, expect, it } from 'vitest';
import { problem } from '../test/fake-api.js';
import { useFakeGureum } from '../test/setup.js';

const t = useFakeGureum();

function startTask() {
  const vm = t.world.addVm({ name: 'web-1' });
  return t.world.runTask('vm.start', { kind: 'vm', id: vm.id }, () => undefined);
}

describe('task', () => {
  it('list and show', async () => {
    t.world.taskMs = 10_000; // still queued when listed
    const task = startTask();
    const list = await t.run(['task', 'list', '--resource', task.resource.id]);
    expect(list.stdout).toMatch(
      new RegExp(
        `^ID\\s+KIND\\s+STATUS\\s+PROGRESS\\s+RESOURCE\\s+CREATED\\s+MESSAGE\\n${task.id}\\s+vm\\.start\\s+queued\\s+0%\\s+vm/`,
      ),
    );
    expect(t.api.calls('listTasks')[0]?.query.get('resource')).toBe(task.resource.id);
    const show = await t.run(['task', 'show', task.id]);
    expect(show.stdout).toMatch(/Kind:\s+vm\.start/);
  });

  it('wait follows the task to its end', async () => {
    const task = startTask();
    const r = await t.run(['task', 'wait', task.id, '--progress', 'always']);
    expect(r).toMatchObject({ code: 0, stdout: `Task ${task.id} (vm.start) succeeded.\n` });
    expect(r.stderr).toMatch(/\[=+\] {2}100% {2}vm\.start {2}succeeded/);
  });

  it('wait exits 1 with the problem of a failed task, and prints the task with --json', async () => {
    t.world.failNext = problem('VM_INVALID_STATE', 'the VM is already running').body;
    const task = startTask();
    const r = await t.run(['task', 'wait', task.id, '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: task.id, status: 'failed' });
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'VM_INVALID_STATE' });
  });

  it('wait gives up after --timeout', async () => {
    t.world.taskMs = 5000;
    const task = startTask();
    const r = await t.run(['task', 'wait', task.id, '--timeout', '300ms']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: Timed out — task tsk_\d+ \(vm\.start\) is still (queued|running); .*`gureum task wait tsk_\d+` \[TASK_WAIT_TIMEOUT\]/,
    );
  });

  it('cancel', async () => {
    const task = startTask();
    expect((await t.run(['task', 'cancel', task.id])).stdout).toBe(`Task ${task.id} (vm.start) cancelled.\n`);
  });

  it('Ctrl-C while waiting leaves the task running and says how to follow it', async () => {
    t.world.taskMs = 5000;
    const task = startTask();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const r = await t.run(['task', 'wait', task.id], { signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(
      /^error: Interrupted — stopped waiting; task .* goes on on the server \[INTERRUPTED\]\nFollow it with `gureum task wait/,
    );
  });
});
