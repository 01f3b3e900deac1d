// VM disks: `gureum disk show ID|NAME [DISK]` and `gureum disk resize ID|NAME DISK SIZE`. A DISK is a disk id, or its
// position in the VM's list (1 = the system disk).
import type { GureumClient } from '@gureum/client';
import type { VmDiskDetail } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ensureSucceeded, followTask, taskStartedNote } from '../lib/follow.js';
import { renderFields, renderTable } from '../lib/table.js';
import { formatSize, parseSize } from '../lib/units.js';

function chainOf(disk: VmDiskDetail): string {
  if (disk.backingChain.length === 0) return '-';
  return disk.backingChain.map((b) => `${b.format}${b.imageId ? ` image ${b.imageId}` : ''}`).join(' <- ');
}

async function disksOf(ctx: Context, client: GureumClient, input: Input) {
  const vm = await client.getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
  const { items } = await client.listVmDisks({ id: vm.id }, { signal: ctx.signal });
  return { vm, items };
}

/** The disk named by DISK: an id, or a 1-based position in the VM's disk list. */
function pick(input: Input, items: readonly VmDiskDetail[], ref: string): VmDiskDetail {
  const byId = items.find((d) => d.id === ref);
  if (byId) return byId;
  const n = /^\d+$/.test(ref) ? Number(ref) : NaN;
  const byIndex = Number.isInteger(n) ? items[n - 1] : undefined;
  return byIndex ?? input.usageError(`no disk ${JSON.stringify(ref)} (the VM has ${items.length})`);
}

function printDisk(ctx: Context, disk: VmDiskDetail): void {
  ctx.print(
    renderFields([
      ['Disk', disk.id],
      ['Device', `${disk.device} (${disk.bus})`],
      ['Format', disk.format],
      ['Size', `${formatSize(disk.virtualSizeBytes)} (${disk.virtualSizeBytes} bytes)`],
      ['Allocated', formatSize(disk.allocationBytes)],
      ['Image', disk.imageId],
      ['Backing chain', chainOf(disk)],
    ]),
  );
}

/** `gureum disk show ID|NAME [DISK]`: every disk of the VM, or one in detail. */
export async function showDisks(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const { items } = await disksOf(ctx, client, input);
  const ref = input.optionalArg('DISK');
  if (ref !== undefined) {
    const disk = pick(input, items, ref);
    if (ctx.json) ctx.printJson(disk);
    else printDisk(ctx, disk);
    return undefined;
  }
  if (ctx.json) {
    ctx.printJson({ items });
    return undefined;
  }
  ctx.print(
    renderTable(
      [
        { header: '#', value: (d: VmDiskDetail) => String(items.indexOf(d) + 1) },
        { header: 'ID', value: (d) => d.id },
        { header: 'FORMAT', value: (d) => d.format },
        { header: 'SIZE', value: (d) => formatSize(d.virtualSizeBytes), align: 'right' },
        { header: 'ALLOCATED', value: (d) => formatSize(d.allocationBytes), align: 'right' },
        { header: 'BACKING', value: chainOf },
      ],
      items,
    ),
  );
  return undefined;
}

/** `gureum disk resize ID|NAME DISK SIZE`: grows a disk (online when the VM runs); shrinking is refused. */
export async function resizeDisk(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const sizeText = input.arg('SIZE');
  const sizeBytes = parseSize(sizeText);
  if (sizeBytes === undefined) input.usageError(`${JSON.stringify(sizeText)} is not a size (like 20G)`);
  const { vm, items } = await disksOf(ctx, client, input);
  const disk = pick(input, items, input.arg('DISK'));
  const accepted = await client.resizeVmDisk(
    { id: vm.id, diskId: disk.id, sizeBytes },
    { signal: ctx.signal },
  );
  if (input.has('no-wait')) {
    if (ctx.json) ctx.printJson({ task: accepted.task });
    else ctx.print(taskStartedNote(accepted.task));
    return undefined;
  }
  ensureSucceeded(await followTask(ctx, accepted.task));
  const after = await client.getVmDisk({ id: vm.id, diskId: disk.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(after);
  else ctx.print(`Resized disk ${disk.id} of vm ${vm.name} to ${formatSize(after.virtualSizeBytes)}.`);
  return undefined;
}
