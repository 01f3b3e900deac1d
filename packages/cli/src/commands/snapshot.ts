// Snapshots of VMs: `gureum snapshot list|create|revert|delete ID|NAME …`. A snapshot is named by its name (its id).
import type { GureumClient } from '@gureum/client';
import type { Snapshot, SnapshotList } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ensureSucceeded, followTask, taskStartedNote } from '../lib/follow.js';
import { renderTable } from '../lib/table.js';
import { formatAge } from '../lib/units.js';

async function vmOf(ctx: Context, client: GureumClient, input: Input): Promise<{ id: string; name: string }> {
  return client.getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
}

/** Depth of each snapshot in its tree (0 for a root), for indentation. */
function depths(items: readonly Snapshot[]): Map<string, number> {
  const byName = new Map(items.map((s) => [s.name, s]));
  const out = new Map<string, number>();
  const depth = (s: Snapshot): number => {
    const known = out.get(s.name);
    if (known !== undefined) return known;
    const parent = s.parentId === null ? undefined : byName.get(s.parentId);
    const d = parent ? depth(parent) + 1 : 0;
    out.set(s.name, d);
    return d;
  };
  for (const s of items) depth(s);
  return out;
}

function capabilityNote(list: SnapshotList): string | undefined {
  const c = list.capabilities;
  if (!c.internal)
    return 'This VM cannot be snapshotted on this host (UEFI on libvirt < 10.10, or non-qcow2 disks).';
  return undefined;
}

/** `gureum snapshot list ID|NAME`: the snapshot tree, parents before children. */
export async function listSnapshots(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const list = await client.listVmSnapshots({ id: vm.id }, { signal: ctx.signal });
  if (ctx.json) {
    ctx.printJson(list);
    return undefined;
  }
  const note = capabilityNote(list);
  if (list.items.length === 0) {
    ctx.print(`vm ${vm.name} has no snapshots.`);
  } else {
    const depth = depths(list.items);
    ctx.print(
      renderTable(
        [
          { header: 'NAME', value: (s: Snapshot) => `${'  '.repeat(depth.get(s.name) ?? 0)}${s.name}` },
          { header: 'VM STATE', value: (s) => s.vmState },
          { header: 'MEMORY', value: (s) => (s.includesMemory ? 'yes' : 'no') },
          { header: 'TAKEN', value: (s) => formatAge(s.createdAt) },
          { header: 'DESCRIPTION', value: (s) => s.description },
        ],
        list.items,
      ),
    );
  }
  if (note) ctx.note(note);
  return undefined;
}

async function finish(
  ctx: Context,
  input: Input,
  task: Parameters<typeof followTask>[1],
  after: () => Promise<unknown>,
  message: string,
): Promise<CommandResult> {
  if (input.has('no-wait')) {
    if (ctx.json) ctx.printJson({ task });
    else ctx.print(taskStartedNote(task));
    return undefined;
  }
  ensureSucceeded(await followTask(ctx, task));
  if (ctx.json) ctx.printJson(await after());
  else ctx.print(message);
  return undefined;
}

/** `gureum snapshot create ID|NAME SNAPSHOT [--description TEXT]`. */
export async function createSnapshot(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const name = input.arg('SNAPSHOT');
  const description = input.string('description');
  const accepted = await client.createVmSnapshot(
    { id: vm.id, name, ...(description === undefined ? {} : { description }) },
    { signal: ctx.signal },
  );
  return finish(
    ctx,
    input,
    accepted.task,
    async () =>
      (await client.listVmSnapshots({ id: vm.id }, { signal: ctx.signal })).items.find(
        (s) => s.name === name,
      ),
    `Took snapshot ${name} of vm ${vm.name}.`,
  );
}

/** `gureum snapshot revert ID|NAME SNAPSHOT`. */
export async function revertSnapshot(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const name = input.arg('SNAPSHOT');
  const accepted = await client.revertVmSnapshot({ id: vm.id, snapshotId: name }, { signal: ctx.signal });
  return finish(
    ctx,
    input,
    accepted.task,
    () => client.getVm({ idOrName: vm.id }, { signal: ctx.signal }),
    `Reverted vm ${vm.name} to snapshot ${name}.`,
  );
}

/** `gureum snapshot delete ID|NAME SNAPSHOT [--dry-run]`. */
export async function deleteSnapshot(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const name = input.arg('SNAPSHOT');
  if (input.has('dry-run')) {
    const plan = await client.deleteVmSnapshot(
      { id: vm.id, snapshotId: name },
      { dryRun: true, signal: ctx.signal },
    );
    if (ctx.json) ctx.printJson(plan);
    else ctx.print(`Would delete snapshot ${name} of vm ${vm.name}.`);
    return undefined;
  }
  const accepted = await client.deleteVmSnapshot({ id: vm.id, snapshotId: name }, { signal: ctx.signal });
  return finish(
    ctx,
    input,
    accepted.task,
    () => Promise.resolve({ deleted: name }),
    `Deleted snapshot ${name} of vm ${vm.name}.`,
  );
}
