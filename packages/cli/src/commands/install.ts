// Installing from an ISO: `gureum vm boot-order`, `gureum vm media insert|eject`, `gureum vm install-status` and
// `gureum vm install-complete`. Routes that take the VM's UUID resolve a name with `getVm` first.
import type { GureumClient } from '@gureum/client';
import { BootOrder, type VmInstallation } from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { ensureSucceeded, followTask, taskStartedNote } from '../lib/follow.js';
import { findImage } from '../lib/lookup.js';
import { renderFields } from '../lib/table.js';
import { formatAge } from '../lib/units.js';

/** The four boot orders, from the contract. */
export const BOOT_ORDERS = BootOrder.enum;
export const MEDIA_ACTIONS = ['insert', 'eject'] as const;

async function vmOf(ctx: Context, client: GureumClient, input: Input): Promise<{ id: string; name: string }> {
  return client.getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
}

/** `gureum vm boot-order ID|NAME [ORDER]`: shows the boot order, or sets it. */
export async function bootOrder(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const order = input.optionalArg('ORDER');
  const vm = await vmOf(ctx, client, input);
  const known = BOOT_ORDERS.find((o) => o === order);
  const reply =
    known === undefined
      ? await client.getVmBootOrder({ id: vm.id }, { signal: ctx.signal })
      : await client.setVmBootOrder({ id: vm.id, order: known }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(reply);
  else {
    ctx.print(
      `${known === undefined ? 'Boot order of' : 'Set the boot order of'} vm ${vm.name}: ${reply.order}`,
    );
    if (reply.pendingRestart)
      ctx.note('The VM still runs with its previous boot order; this one applies at its next boot.');
  }
  return undefined;
}

/** `gureum vm media insert|eject ID|NAME [--image ID|NAME]`. */
export async function media(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const action = input.arg('ACTION');
  const imageRef = input.string('image');
  if (action === 'insert' && imageRef === undefined)
    input.usageError('insert needs --image ID|NAME (an ISO)');
  if (action === 'eject' && imageRef !== undefined) input.usageError('eject takes no --image');
  const vm = await vmOf(ctx, client, input);
  if (imageRef === undefined) {
    await client.ejectVmMedia({ id: vm.id }, { signal: ctx.signal });
    if (ctx.json) ctx.printJson({ media: null });
    else ctx.print(`Ejected the media of vm ${vm.name}.`);
    return undefined;
  }
  const image = await findImage(client, imageRef, ctx.signal);
  const inserted = await client.insertVmMedia({ id: vm.id, imageId: image.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(inserted);
  else ctx.print(`Inserted ${inserted.name} into vm ${vm.name}.`);
  return undefined;
}

function printInstallation(ctx: Context, name: string, installation: VmInstallation): void {
  const when = (at: string | undefined): string | undefined => (at ? `${at} (${formatAge(at)})` : undefined);
  ctx.print(
    renderFields([
      ['VM', name],
      ['Installation', installation.status],
      ['Started', when(installation.startedAt)],
      ['Finished', when(installation.finishedAt)],
      ['ISO', installation.isoImageId ?? undefined],
      ['Keep ISO', installation.keepMediaAfterInstall ? 'yes' : undefined],
      ['Note', installation.message],
    ]),
  );
}

/** `gureum vm install-status ID|NAME`. */
export async function installStatus(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const installation = await client.getVmInstallation({ id: vm.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(installation);
  else printInstallation(ctx, vm.name, installation);
  return undefined;
}

/** `gureum vm install-complete ID|NAME [--failed]`: what the server does by itself when the guest reboots. */
export async function installComplete(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const vm = await vmOf(ctx, client, input);
  const status = input.has('failed') ? 'failed' : 'installed';
  const accepted = await client.completeVmInstallation({ id: vm.id, status }, { signal: ctx.signal });
  if (input.has('no-wait')) {
    if (ctx.json) ctx.printJson({ task: accepted.task });
    else ctx.print(taskStartedNote(accepted.task));
    return undefined;
  }
  ensureSucceeded(await followTask(ctx, accepted.task));
  const installation = await client.getVmInstallation({ id: vm.id }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(installation);
  else printInstallation(ctx, vm.name, installation);
  return undefined;
}
