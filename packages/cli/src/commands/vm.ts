import type { GureumClient, TaskPending } from '@gureum/client';
import {
  GiB,
  UUID_PATTERN,
  VmState,
  type DeletePlan,
  type Image,
  type Vm,
  type VmCreate,
} from '@gureum/contract';
import type { Input } from '../lib/args.js';
import type { CommandResult } from '../lib/command.js';
import type { Context } from '../lib/context.js';
import { CliError, ExitCode } from '../lib/errors.js';
import { ensureSucceeded, followTask, taskStartedNote } from '../lib/follow.js';
import { colorState, defined, orDash, quote } from '../lib/format.js';
import { confirm } from '../lib/io.js';
import { allPages, findImage, findUser } from '../lib/lookup.js';
import { renderFields, renderTable, type Column } from '../lib/table.js';
import { formatAge, formatSize } from '../lib/units.js';

/** Every VM state, from the contract. */
export const VM_STATES = VmState.enum;

const DEFAULT_VCPUS = 1;
const DEFAULT_MEMORY = GiB;
const DEFAULT_DISK = 10 * GiB;
const UUID = new RegExp(UUID_PATTERN);

function firstIp(vm: Vm): string {
  return vm.nics.flatMap((n) => n.ips.map((ip) => ip.address))[0] ?? '-';
}

function vmColumns(ctx: Context, vms: readonly Vm[]): Column<Vm>[] {
  const owners = new Set(vms.map((v) => v.ownerId));
  return [
    { header: 'NAME', value: (v) => v.name },
    { header: 'STATE', value: (v) => colorState(v.state, ctx.color) },
    { header: 'VCPUS', value: (v) => String(v.vcpus), align: 'right' },
    { header: 'MEMORY', value: (v) => formatSize(v.memoryBytes), align: 'right' },
    { header: 'IP', value: firstIp },
    ...(owners.size > 1 ? [{ header: 'OWNER', value: (v: Vm) => v.ownerId }] : []),
    { header: 'CREATED', value: (v) => formatAge(v.createdAt) },
  ];
}

export async function listVms(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const filter = defined({
    state: input.choice('state', VM_STATES),
    tag: input.string('tag'),
    q: input.string('query'),
    ownerId: input.string('owner'),
  });
  const list = await allPages((page) => client.listVms({ ...filter, ...page }, { signal: ctx.signal }));
  if (ctx.json) ctx.printJson(list);
  else if (list.items.length === 0) ctx.note('No VMs.');
  else ctx.print(renderTable(vmColumns(ctx, list.items), list.items));
  return undefined;
}

function printVm(ctx: Context, vm: Vm): void {
  ctx.print(
    renderFields([
      ['Name', vm.name],
      ['ID', vm.id],
      ['State', colorState(vm.state, ctx.color)],
      ['vCPUs', String(vm.vcpus)],
      ['Memory', formatSize(vm.memoryBytes)],
      ['Firmware', vm.firmware],
      ['Boot order', vm.bootOrder],
      ['Installation', vm.installation.status],
      ['Media', vm.media ? `${vm.media.name} (${vm.media.imageId})` : undefined],
      ['Tags', vm.tags.length > 0 ? vm.tags.join(', ') : undefined],
      ['Description', vm.description || undefined],
      ['Owner', vm.ownerId],
      ['Created', `${vm.createdAt} (${formatAge(vm.createdAt)})`],
      ['Updated', `${vm.updatedAt} (${formatAge(vm.updatedAt)})`],
    ]),
  );
  if (vm.disks.length > 0) {
    ctx.print('\nDisks:');
    ctx.print(
      renderTable(
        [
          { header: 'ID', value: (d) => d.id },
          { header: 'DEVICE', value: (d) => d.device },
          { header: 'BUS', value: (d) => d.bus },
          {
            header: 'SIZE',
            value: (d) => (d.sizeBytes === undefined ? '-' : formatSize(d.sizeBytes)),
            align: 'right',
          },
          {
            header: 'SOURCE',
            value: (d) => (d.imageId ? `image ${d.imageId}` : d.volumeId ? `volume ${d.volumeId}` : '-'),
          },
        ],
        vm.disks,
      ),
    );
  }
  if (vm.nics.length > 0) {
    ctx.print('\nNetwork interfaces:');
    ctx.print(
      renderTable(
        [
          { header: 'ID', value: (n) => n.id },
          { header: 'NETWORK', value: (n) => n.networkId },
          { header: 'MAC', value: (n) => n.mac },
          {
            header: 'IPS',
            value: (n) => orDash(n.ips.map((ip) => `${ip.address} (${ip.source})`).join(', ')),
          },
        ],
        vm.nics,
      ),
    );
  }
}

export async function showVm(ctx: Context, input: Input): Promise<CommandResult> {
  const vm = await ctx.client().getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(vm);
  else printVm(ctx, vm);
  return undefined;
}

/** Prints what a finished task route left: the VM as JSON, or one line for humans. */
async function printOutcome(
  ctx: Context,
  client: GureumClient,
  idOrName: string,
  headline: string,
): Promise<void> {
  const vm = await client.getVm({ idOrName }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(vm);
  else ctx.print(`${headline} vm ${vm.name}: ${colorState(vm.state, ctx.color)}`);
}

/** `--no-wait`: the API's 202 document, or a line that says how to follow the task. */
function printPending(ctx: Context, accepted: TaskPending): void {
  if (ctx.json) ctx.printJson({ task: accepted.task });
  else ctx.print(taskStartedNote(accepted.task));
}

export async function createVm(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const name = input.arg('NAME');
  // Every flag is checked before the first request, so a typo costs no round trip.
  const disk = input.size('disk');
  const tags = input.strings('tag');
  const networks = input.strings('network');
  const settings = {
    vcpus: input.int('vcpus', 1, 256) ?? DEFAULT_VCPUS,
    memoryBytes: input.size('memory') ?? DEFAULT_MEMORY,
    ...defined({
      description: input.string('description'),
      tags: tags.length > 0 ? [...tags] : undefined,
      networks: networks.length > 0 ? [...networks] : undefined,
      firmware: input.choice('firmware', ['bios', 'uefi']),
      start: input.has('start') ? true : undefined,
      keepMediaAfterInstall: input.has('keep-iso') ? true : undefined,
    }),
  };
  const ownerRef = input.string('owner');
  const imageRef = input.string('image');
  const isoRef = input.string('iso');
  if ((imageRef === undefined) === (isoRef === undefined))
    input.usageError('give --image or --iso (one of them)');
  const imageRefGiven = imageRef ?? isoRef ?? '';
  const image: Pick<Image, 'id' | 'kind'> = await findImage(client, imageRefGiven, ctx.signal).catch(
    (err: unknown) => {
      // An image id the caller cannot see goes to the server as given: the server is the judge, and its answer
      // says why (a viewer may create nothing: FORBIDDEN; a member gets IMAGE_NOT_FOUND).
      if (err instanceof CliError && err.code === 'IMAGE_NOT_FOUND' && UUID.test(imageRefGiven))
        return { id: imageRefGiven, kind: isoRef === undefined ? 'disk' : 'iso' };
      throw err;
    },
  );
  if (isoRef !== undefined && image.kind !== 'iso')
    input.usageError(`--iso ${isoRef} is a disk image; use --image for disk images`);
  if (image.kind === 'disk' && settings.keepMediaAfterInstall)
    input.usageError('--keep-iso is for installing from an ISO');
  if (image.kind === 'disk' && disk !== undefined)
    input.usageError(
      '--disk is for installing from an ISO; a VM made from a disk image gets its disk from the image',
    );
  const source: VmCreate['source'] =
    image.kind === 'iso'
      ? { blank: { sizeBytes: disk ?? DEFAULT_DISK }, isoImageId: image.id }
      : { imageId: image.id };
  // Admins create for another user by id or username (listing users is admin-only, as acting for one is).
  const ownerId = ownerRef === undefined ? undefined : (await findUser(client, ownerRef)).id;
  const body: VmCreate = { name, ...settings, source, ...defined({ ownerId }) };
  const accepted = await client.createVm(body, { signal: ctx.signal });
  if (input.has('no-wait')) {
    printPending(ctx, accepted);
    return undefined;
  }
  ensureSucceeded(await followTask(ctx, accepted.task));
  await printOutcome(ctx, client, name, 'Created');
  return undefined;
}

/** The lifecycle actions: `gureum vm <verb> ID|NAME`. */
export const VM_ACTION_VERBS = ['start', 'stop', 'force-stop', 'reboot', 'reset', 'pause', 'resume'] as const;
export type VmActionVerb = (typeof VM_ACTION_VERBS)[number];

type ActionCall = (
  client: GureumClient,
  id: string,
  input: Input,
  signal: AbortSignal,
) => Promise<TaskPending>;

function stopOptions(input: Input): { force?: boolean; timeoutMs?: number } {
  const timeoutMs = input.duration('timeout');
  if (timeoutMs !== undefined && (timeoutMs < 1000 || timeoutMs > 600_000))
    input.usageError('--timeout must be between 1s and 10m');
  return defined({ force: input.has('force') ? true : undefined, timeoutMs });
}

const ACTIONS: Readonly<Record<VmActionVerb, { headline: string; call: ActionCall }>> = {
  start: { headline: 'Started', call: (c, id, _i, signal) => c.startVm({ id }, { signal }) },
  stop: { headline: 'Stopped', call: (c, id, i, signal) => c.stopVm({ id, ...stopOptions(i) }, { signal }) },
  'force-stop': { headline: 'Powered off', call: (c, id, _i, signal) => c.forceStopVm({ id }, { signal }) },
  reboot: { headline: 'Rebooted', call: (c, id, _i, signal) => c.rebootVm({ id }, { signal }) },
  reset: { headline: 'Reset', call: (c, id, _i, signal) => c.resetVm({ id }, { signal }) },
  pause: { headline: 'Paused', call: (c, id, _i, signal) => c.pauseVm({ id }, { signal }) },
  resume: { headline: 'Resumed', call: (c, id, _i, signal) => c.resumeVm({ id }, { signal }) },
};

/** The handler of one lifecycle action. Action routes take the UUID, so a name is resolved with `getVm` first. */
export function vmAction(verb: VmActionVerb): (ctx: Context, input: Input) => Promise<CommandResult> {
  return async (ctx, input) => {
    const client = ctx.client();
    const { id } = await client.getVm({ idOrName: input.arg('ID|NAME') }, { signal: ctx.signal });
    const action = ACTIONS[verb];
    const accepted = await action.call(client, id, input, ctx.signal);
    if (input.has('no-wait')) {
      printPending(ctx, accepted);
      return undefined;
    }
    ensureSucceeded(await followTask(ctx, accepted.task));
    await printOutcome(ctx, client, id, action.headline);
    return undefined;
  };
}

/** Prints a delete plan: what would be removed. */
export function printPlan(ctx: Context, plan: DeletePlan): void {
  if (plan.wouldDelete.length === 0) {
    ctx.print('Nothing would be deleted.');
    return;
  }
  ctx.print('Would delete:');
  ctx.print(
    renderTable(
      [
        { header: 'KIND', value: (i) => i.kind },
        { header: 'ID', value: (i) => i.id },
        { header: 'NAME', value: (i) => orDash(i.name) },
        ...(plan.wouldDelete.some((i) => i.path)
          ? [{ header: 'PATH', value: (i: DeletePlan['wouldDelete'][number]) => orDash(i.path) }]
          : []),
      ],
      plan.wouldDelete,
    ),
  );
}

export async function deleteVm(ctx: Context, input: Input): Promise<CommandResult> {
  const client = ctx.client();
  const ref = input.arg('ID|NAME');
  if (input.has('dry-run')) {
    const plan = await client.deleteVm({ idOrName: ref }, { dryRun: true, signal: ctx.signal });
    if (ctx.json) ctx.printJson(plan);
    else printPlan(ctx, plan);
    return undefined;
  }
  if (!input.has('yes')) {
    if (ctx.io.stdin.isTTY !== true || ctx.io.stderr.isTTY !== true)
      throw new CliError(
        'Confirmation required',
        `not deleting vm ${quote(ref)}: there is no terminal to confirm on; pass --yes to delete without asking`,
        'CONFIRMATION_REQUIRED',
        ExitCode.Usage,
      );
    const plan = await client.deleteVm({ idOrName: ref }, { dryRun: true, signal: ctx.signal });
    printPlan(ctx, plan);
    if (!(await confirm(ctx.io, `Delete vm ${ref} and everything listed above?`))) {
      ctx.note('Not deleted.');
      return ExitCode.Failure;
    }
  }
  const accepted = await client.deleteVm({ idOrName: ref }, { signal: ctx.signal });
  if (input.has('no-wait')) {
    printPending(ctx, accepted);
    return undefined;
  }
  const task = ensureSucceeded(await followTask(ctx, accepted.task));
  if (ctx.json) ctx.printJson(task);
  else ctx.print(`Deleted vm ${ref}.`);
  return undefined;
}

export async function updateVm(ctx: Context, input: Input): Promise<CommandResult> {
  const tags = input.strings('tag');
  if (tags.length > 0 && input.has('clear-tags')) input.usageError('give --tag or --clear-tags, not both');
  const changes = defined({
    description: input.string('description'),
    tags: input.has('clear-tags') ? [] : tags.length > 0 ? [...tags] : undefined,
    vcpus: input.int('vcpus', 1, 256),
    memoryBytes: input.size('memory'),
  });
  if (Object.keys(changes).length === 0)
    input.usageError('nothing to change: give --description, --tag, --clear-tags, --vcpus or --memory');
  const vm = await ctx
    .client()
    .updateVm({ idOrName: input.arg('ID|NAME'), ...changes }, { signal: ctx.signal });
  if (ctx.json) ctx.printJson(vm);
  else {
    ctx.print(`Updated vm ${vm.name}.`);
    if (vm.state !== 'stopped' && (changes.vcpus !== undefined || changes.memoryBytes !== undefined))
      ctx.note('The vCPU and memory changes apply at the next boot.');
  }
  return undefined;
}
