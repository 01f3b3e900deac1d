// THE command table: every command, its arguments and flags. Parsing, `--help` and `gureum completion bash` are
// generated from it; the handlers live in one module per noun.
import type { FlagSpec } from '../lib/args.js';
import type { CommandSpec, NounSpec } from '../lib/command.js';
import { bashCompletion } from '../lib/completion.js';
import { listAudit } from './audit.js';
import { changePassword, login, logout, whoami } from './auth.js';
import { openSerialConsole } from './console.js';
import { resizeDisk, showDisks } from './disk.js';
import { doctor } from './doctor.js';
import { EVENT_TOPICS, followEvents } from './events.js';
import {
  deleteImage,
  downloadImage,
  IMAGE_KINDS,
  IMAGE_STATUSES,
  listImages,
  showImage,
  uploadImage,
} from './image.js';
import { BOOT_ORDERS, bootOrder, installComplete, installStatus, media, MEDIA_ACTIONS } from './install.js';
import { setQuota, showQuota, showUsage } from './quota.js';
import { createSnapshot, deleteSnapshot, listSnapshots, revertSnapshot } from './snapshot.js';
import { cancelTask, listTasks, showTask, TASK_KINDS, TASK_STATUSES, waitTask } from './task.js';
import { createToken, listTokens, revokeToken } from './token.js';
import { createUser, deleteUser, listUsers, ROLES, showUser, updateUser } from './user.js';
import {
  createVm,
  deleteVm,
  listVms,
  showVm,
  updateVm,
  VM_ACTION_VERBS,
  VM_STATES,
  vmAction,
  type VmActionVerb,
} from './vm.js';

/** Flags every command accepts. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  {
    name: 'url',
    value: 'URL',
    summary: 'Server URL (default: $GUREUM_URL, the last login, http://127.0.0.1:8080)',
  },
  { name: 'json', summary: "Machine output: the API's JSON on stdout, errors as problem JSON on stderr" },
  {
    name: 'progress',
    value: 'WHEN',
    choices: ['auto', 'always', 'never'],
    summary: 'Progress output on stderr: auto (when stderr is a terminal), always, never',
  },
  { name: 'help', short: 'h', summary: 'Show help' },
  { name: 'version', short: 'V', summary: 'Print the version of gureum' },
];

const noWait: FlagSpec = { name: 'no-wait', summary: 'Return once the task is accepted; print its id' };
const dryRun: FlagSpec = { name: 'dry-run', summary: 'Print what would be deleted, delete nothing' };
const passwordStdin: FlagSpec = { name: 'password-stdin', summary: 'Read the password from stdin' };
const ID_OR_NAME = { name: 'ID|NAME', summary: 'The VM id (UUID) or name' };

export const NOUNS: readonly NounSpec[] = [
  { name: 'vm', summary: 'Virtual machines' },
  { name: 'disk', summary: 'The disks of VMs' },
  { name: 'snapshot', summary: 'Snapshots of VMs' },
  { name: 'image', summary: 'Disk images and installer ISOs' },
  { name: 'task', summary: 'Long-running operations' },
  { name: 'user', summary: 'Users (admin)' },
  { name: 'token', summary: 'Your API tokens' },
  { name: 'quota', summary: "Users' quotas (admin)" },
  { name: 'audit', summary: 'The audit log' },
];

const ACTION_SUMMARIES: Readonly<Record<VmActionVerb, string>> = {
  start: 'Start (boot) a VM',
  stop: 'Shut a VM down gracefully (ACPI)',
  'force-stop': 'Power a VM off at once (like pulling the plug)',
  reboot: 'Reboot a VM gracefully (ACPI)',
  reset: 'Reset a VM at once (like the reset button)',
  pause: 'Pause a running VM',
  resume: 'Resume a paused VM',
};

const vmActions: CommandSpec[] = VM_ACTION_VERBS.map((verb) => ({
  path: ['vm', verb],
  summary: ACTION_SUMMARIES[verb],
  args: [ID_OR_NAME],
  flags: [
    ...(verb === 'stop'
      ? [
          { name: 'force', summary: 'Power off if the guest has not stopped within the timeout' },
          {
            name: 'timeout',
            value: 'DURATION',
            summary: 'How long the guest may take to stop (default 60s, at most 10m)',
          },
        ]
      : []),
    noWait,
  ],
  examples: [`gureum vm ${verb} web-1`],
  run: vmAction(verb),
}));

export const COMMANDS: readonly CommandSpec[] = [
  {
    path: ['login'],
    summary: 'Log in and store the session token',
    description:
      'Asks for the password without echo on a terminal, or reads it from stdin with --password-stdin. The token is ' +
      'stored in $XDG_CONFIG_HOME/gureum/credentials.json (default ~/.config/gureum), readable only by you. ' +
      'GUREUM_URL and GUREUM_TOKEN override the stored login.',
    flags: [
      { name: 'username', short: 'u', value: 'USER', summary: 'The username (asked for when omitted)' },
      passwordStdin,
    ],
    examples: [
      'gureum login --url http://127.0.0.1:8080 --username admin',
      'echo "$PW" | gureum login -u admin --password-stdin',
    ],
    run: login,
  },
  { path: ['logout'], summary: 'Revoke the session and forget the stored login', run: logout },
  { path: ['whoami'], summary: 'Show who the token belongs to', run: whoami },
  {
    path: ['password'],
    summary: 'Change your password (your other sessions end)',
    description:
      'Asks for the current password and the new one (twice) without echo on a terminal. With --password-stdin, ' +
      'stdin holds two lines: the current password, then the new one. Your other login sessions end; this one ' +
      'and your API tokens keep working.',
    flags: [
      { ...passwordStdin, summary: 'Read two lines from stdin: the current password, then the new one' },
    ],
    examples: ['gureum password', 'printf \'%s\\n%s\\n\' "$OLD" "$NEW" | gureum password --password-stdin'],
    run: changePassword,
  },
  {
    path: ['vm', 'list'],
    summary: 'List VMs (all pages)',
    flags: [
      { name: 'state', value: 'STATE', choices: VM_STATES, summary: 'Only VMs in this state' },
      { name: 'tag', value: 'TAG', summary: 'Only VMs with this tag' },
      {
        name: 'query',
        short: 'q',
        value: 'TEXT',
        summary: 'Only VMs whose name or description contains TEXT',
      },
      { name: 'owner', value: 'USER-ID', summary: "Only this user's VMs (admin)" },
    ],
    examples: ['gureum vm list --state running', 'gureum vm list -q web --json'],
    run: listVms,
  },
  {
    path: ['vm', 'create'],
    summary: 'Create a VM from a disk image, or blank with an installer ISO',
    args: [{ name: 'NAME', summary: 'The VM name (lowercase letters, digits and -)' }],
    flags: [
      {
        name: 'image',
        value: 'ID|NAME',
        summary: 'A ready disk image, or an ISO to install from (this or --iso)',
      },
      {
        name: 'iso',
        value: 'ID|NAME',
        summary: 'An ISO to install from onto a blank disk of --disk size (this or --image)',
      },
      {
        name: 'keep-iso',
        summary: 'Keep the ISO inserted once the installation completes (default: eject it)',
      },
      { name: 'vcpus', value: 'N', summary: 'Virtual CPUs (default 1)' },
      { name: 'memory', value: 'SIZE', summary: 'Memory, like 512M or 2G (default 1G)' },
      {
        name: 'disk',
        value: 'SIZE',
        summary: 'Size of the blank disk when installing from an ISO (default 10G)',
      },
      { name: 'network', value: 'ID', repeat: true, summary: 'Attach a NIC on this network (repeatable)' },
      { name: 'firmware', value: 'FIRMWARE', choices: ['bios', 'uefi'], summary: 'Firmware (default bios)' },
      { name: 'description', value: 'TEXT', summary: 'A description' },
      { name: 'tag', value: 'TAG', repeat: true, summary: 'A tag (repeatable)' },
      { name: 'start', summary: 'Start the VM once created' },
      {
        name: 'owner',
        value: 'USER',
        summary: "Create it for this user, by id or username (admins); it counts against the user's quota",
      },
      noWait,
    ],
    examples: [
      'gureum vm create web-1 --image debian-12 --vcpus 2 --memory 2G --start --tag prod',
      'gureum vm create ci-1 --image debian-12 --owner alice',
      'gureum vm create srv-1 --iso debian-12-netinst --disk 20G --memory 2G --start',
    ],
    run: createVm,
  },
  { path: ['vm', 'show'], summary: 'Show a VM', args: [ID_OR_NAME], run: showVm },
  ...vmActions,
  {
    path: ['vm', 'console'],
    summary: "Attach this terminal to a running VM's serial console (Ctrl-] quits)",
    description:
      'Raw mode: every key, Ctrl-C included, goes to the guest. With piped input the session ends once the ' +
      'input ended and the guest has been quiet for a second.',
    args: [ID_OR_NAME],
    examples: ['gureum vm console web-1', "echo 'uname -a' | gureum vm console web-1"],
    run: openSerialConsole,
  },
  {
    path: ['vm', 'update'],
    summary: 'Change the description, tags, vCPUs or memory of a VM',
    description: 'vCPU and memory changes of a running VM apply at its next boot.',
    args: [ID_OR_NAME],
    flags: [
      { name: 'description', value: 'TEXT', summary: 'The new description' },
      {
        name: 'tag',
        value: 'TAG',
        repeat: true,
        summary: 'The new tags, replacing the old ones (repeatable)',
      },
      { name: 'clear-tags', summary: 'Remove every tag' },
      { name: 'vcpus', value: 'N', summary: 'Virtual CPUs' },
      { name: 'memory', value: 'SIZE', summary: 'Memory, like 512M or 2G' },
    ],
    examples: ['gureum vm update web-1 --memory 4G --tag prod --tag web'],
    run: updateVm,
  },
  {
    path: ['vm', 'delete'],
    summary: 'Delete a VM, its domain and the volumes it owns',
    description: 'Asks for confirmation on a terminal; elsewhere --yes is required.',
    args: [ID_OR_NAME],
    flags: [dryRun, { name: 'yes', short: 'y', summary: 'Do not ask for confirmation' }, noWait],
    examples: ['gureum vm delete web-1 --dry-run', 'gureum vm delete web-1 --yes'],
    run: deleteVm,
  },
  {
    path: ['vm', 'boot-order'],
    summary: 'Show or set the boot order of a VM',
    description:
      'cdrom_hd: the cdrom, then the disk (installing); hd: the disk only; cdrom: the cdrom only; hd_cdrom: the ' +
      'disk, then the cdrom. A running VM uses a new order from its next boot.',
    args: [
      ID_OR_NAME,
      { name: 'ORDER', optional: true, choices: BOOT_ORDERS, summary: 'The new boot order' },
    ],
    examples: ['gureum vm boot-order web-1', 'gureum vm boot-order web-1 hd'],
    run: bootOrder,
  },
  {
    path: ['vm', 'media'],
    summary: "Insert an ISO into a VM's cdrom, or eject it (running or not)",
    args: [{ name: 'ACTION', choices: MEDIA_ACTIONS, summary: 'insert or eject' }, ID_OR_NAME],
    flags: [{ name: 'image', value: 'ID|NAME', summary: 'The ISO image to insert' }],
    examples: ['gureum vm media insert web-1 --image debian-12-netinst', 'gureum vm media eject web-1'],
    run: media,
  },
  {
    path: ['vm', 'install-status'],
    summary: 'Show the installation phase of a VM installed from an ISO',
    args: [ID_OR_NAME],
    examples: ['gureum vm install-status web-1'],
    run: installStatus,
  },
  {
    path: ['vm', 'install-complete'],
    summary: 'Mark an installation done (ISO ejected, boots from disk), or failed',
    description:
      'The server does this by itself when the guest reboots or powers off after writing its disk. With ' +
      '--failed nothing else changes; starting the VM again with an ISO inserted retries the installation.',
    args: [ID_OR_NAME],
    flags: [{ name: 'failed', summary: 'Mark the installation failed instead' }, noWait],
    examples: ['gureum vm install-complete web-1', 'gureum vm install-complete web-1 --failed'],
    run: installComplete,
  },
  {
    path: ['disk', 'show'],
    summary: "Show a VM's disks: format, size, allocation, backing image",
    description: 'DISK is a disk id or its position in the list (1 is the system disk).',
    args: [ID_OR_NAME, { name: 'DISK', optional: true, summary: 'One disk, in detail' }],
    examples: ['gureum disk show web-1', 'gureum disk show web-1 1'],
    run: showDisks,
  },
  {
    path: ['disk', 'resize'],
    summary: 'Grow a disk of a VM (online when it runs; shrinking is refused)',
    description:
      'A running VM sees the new size at once (its guest still has to grow the partition and file system); a ' +
      "stopped VM's volume grows. The size counts against the owner's disk quota.",
    args: [
      ID_OR_NAME,
      { name: 'DISK', summary: 'A disk id or position (1 = the system disk)' },
      { name: 'SIZE', summary: 'The new size, like 20G (more than now)' },
    ],
    flags: [noWait],
    examples: ['gureum disk resize web-1 1 20G'],
    run: resizeDisk,
  },
  {
    path: ['snapshot', 'list'],
    summary: "List a VM's snapshots as a tree",
    description:
      'Children are indented under their parent. Says so when the VM cannot be snapshotted on this host.',
    args: [ID_OR_NAME],
    examples: ['gureum snapshot list web-1'],
    run: listSnapshots,
  },
  {
    path: ['snapshot', 'create'],
    summary: 'Take a snapshot of a VM (with its memory when it runs)',
    args: [ID_OR_NAME, { name: 'SNAPSHOT', summary: 'The snapshot name (a DNS label)' }],
    flags: [{ name: 'description', value: 'TEXT', summary: 'What the snapshot is for' }, noWait],
    examples: ['gureum snapshot create web-1 before-upgrade --description "kernel 6.1"'],
    run: createSnapshot,
  },
  {
    path: ['snapshot', 'revert'],
    summary: 'Revert a VM to a snapshot',
    description:
      'The disks go back to the snapshot; a snapshot taken while the VM ran brings it back running where it was.',
    args: [ID_OR_NAME, { name: 'SNAPSHOT', summary: 'The snapshot name' }],
    flags: [noWait],
    examples: ['gureum snapshot revert web-1 before-upgrade'],
    run: revertSnapshot,
  },
  {
    path: ['snapshot', 'delete'],
    summary: 'Delete a snapshot (its children keep the rest of the tree)',
    args: [ID_OR_NAME, { name: 'SNAPSHOT', summary: 'The snapshot name' }],
    flags: [dryRun, noWait],
    examples: ['gureum snapshot delete web-1 before-upgrade'],
    run: deleteSnapshot,
  },
  {
    path: ['image', 'upload'],
    summary: 'Create an image and stream a local file into it',
    description:
      'Shows a progress bar on a terminal, and prints the sha256 the server computed and whether it matches the ' +
      'sha256 of the bytes read here.',
    args: [{ name: 'FILE', summary: 'A qcow2 or raw disk image, or an ISO', file: true }],
    flags: [
      { name: 'name', value: 'NAME', required: true, summary: 'The image name' },
      {
        name: 'kind',
        value: 'KIND',
        choices: IMAGE_KINDS,
        summary: 'disk or iso (default: iso for *.iso files)',
      },
      { name: 'sha256', value: 'HEX', summary: 'The expected sha256; the server refuses other content' },
    ],
    examples: ['gureum image upload ./debian-12.qcow2 --name debian-12'],
    run: uploadImage,
  },
  {
    path: ['image', 'download'],
    summary: 'Create an image that the server downloads from a URL',
    args: [{ name: 'URL', summary: 'An http(s) URL the server can reach' }],
    flags: [
      { name: 'name', value: 'NAME', required: true, summary: 'The image name' },
      { name: 'sha256', value: 'HEX', summary: 'The expected sha256' },
      {
        name: 'kind',
        value: 'KIND',
        choices: IMAGE_KINDS,
        summary: 'disk or iso (default: iso for *.iso URLs)',
      },
      noWait,
    ],
    run: downloadImage,
  },
  {
    path: ['image', 'list'],
    summary: 'List images',
    flags: [
      { name: 'kind', value: 'KIND', choices: IMAGE_KINDS, summary: 'Only images of this kind' },
      { name: 'status', value: 'STATUS', choices: IMAGE_STATUSES, summary: 'Only images in this status' },
    ],
    run: listImages,
  },
  {
    path: ['image', 'show'],
    summary: 'Show an image',
    args: [{ name: 'ID|NAME', summary: 'The image id or name' }],
    run: showImage,
  },
  {
    path: ['image', 'delete'],
    summary: 'Delete an image (refused while a VM uses it)',
    args: [{ name: 'ID|NAME', summary: 'The image id or name' }],
    flags: [dryRun],
    run: deleteImage,
  },
  {
    path: ['task', 'list'],
    summary: 'List tasks, newest first',
    flags: [
      { name: 'status', value: 'STATUS', choices: TASK_STATUSES, summary: 'Only tasks in this status' },
      { name: 'resource', value: 'ID', summary: 'Only tasks about this resource (a VM id, an image id, …)' },
      { name: 'kind', value: 'KIND', choices: TASK_KINDS, summary: 'Only tasks of this kind' },
      { name: 'limit', value: 'N', summary: 'At most N tasks (default: all)' },
    ],
    run: listTasks,
  },
  {
    path: ['task', 'show'],
    summary: 'Show a task',
    args: [{ name: 'ID', summary: 'The task id' }],
    run: showTask,
  },
  {
    path: ['task', 'wait'],
    summary: 'Wait for a task to end; exit 1 unless it succeeded',
    args: [{ name: 'ID', summary: 'The task id' }],
    flags: [
      { name: 'timeout', value: 'DURATION', summary: 'Give up after this long, like 5m (default: no limit)' },
    ],
    run: waitTask,
  },
  {
    path: ['task', 'cancel'],
    summary: 'Cancel a task',
    args: [{ name: 'ID', summary: 'The task id' }],
    run: cancelTask,
  },
  {
    path: ['events'],
    summary: 'Follow the live event stream (Ctrl-C to stop)',
    description:
      'One line per event, or one JSON document per line with --json. Reconnects and resumes after drops.',
    flags: [
      { name: 'since', value: 'ID', summary: 'Replay the events after this event id first' },
      {
        name: 'topics',
        value: 'LIST',
        summary: `Comma-separated topics: ${EVENT_TOPICS.join(', ')} (default: all)`,
      },
    ],
    examples: ['gureum events --topics vm,task', 'gureum events --json --since 120'],
    run: followEvents,
  },
  {
    path: ['user', 'list'],
    summary: 'List users',
    flags: [{ name: 'role', value: 'ROLE', choices: ROLES, summary: 'Only users with this role' }],
    run: listUsers,
  },
  {
    path: ['user', 'create'],
    summary: 'Create a user',
    args: [{ name: 'NAME', summary: 'The username' }],
    flags: [
      { name: 'role', value: 'ROLE', choices: ROLES, required: true, summary: 'admin, member or viewer' },
      passwordStdin,
    ],
    examples: [
      'gureum user create alice --role member',
      'printf %s "$PW" | gureum user create ci --role member --password-stdin',
    ],
    run: createUser,
  },
  {
    path: ['user', 'show'],
    summary: 'Show a user',
    args: [{ name: 'USER', summary: 'The user id or username' }],
    run: showUser,
  },
  {
    path: ['user', 'update'],
    summary: "Change a user's role or password",
    args: [{ name: 'USER', summary: 'The user id or username' }],
    flags: [
      { name: 'role', value: 'ROLE', choices: ROLES, summary: 'The new role' },
      { name: 'password', summary: 'Ask for a new password' },
      passwordStdin,
    ],
    run: updateUser,
  },
  {
    path: ['user', 'delete'],
    summary: 'Delete a user and revoke their tokens',
    args: [{ name: 'USER', summary: 'The user id or username' }],
    run: deleteUser,
  },
  { path: ['token', 'list'], summary: 'List your API tokens (never their secrets)', run: listTokens },
  {
    path: ['token', 'create'],
    summary: 'Create an API token; its secret is printed once',
    args: [{ name: 'NAME', summary: 'A name for the token' }],
    flags: [
      { name: 'expires', value: 'DURATION', summary: 'Expire after this long, like 30d (default: never)' },
    ],
    examples: ['gureum token create ci --expires 90d'],
    run: createToken,
  },
  {
    path: ['token', 'revoke'],
    summary: 'Revoke an API token',
    args: [{ name: 'ID|NAME', summary: 'The token id or name' }],
    run: revokeToken,
  },
  {
    path: ['quota', 'show'],
    summary: "Show a user's quota",
    args: [{ name: 'USER', summary: 'The user id or username' }],
    run: showQuota,
  },
  {
    path: ['quota', 'set'],
    summary: "Change limits of a user's quota (the others stay)",
    args: [{ name: 'USER', summary: 'The user id or username' }],
    flags: [
      { name: 'max-vms', value: 'N|none', summary: 'VMs owned' },
      { name: 'max-vcpus', value: 'N|none', summary: 'vCPUs over all VMs' },
      { name: 'max-memory', value: 'SIZE|none', summary: 'Memory over all VMs, like 8G' },
      { name: 'max-disk', value: 'SIZE|none', summary: 'Disk over all VMs and volumes, like 100G' },
    ],
    examples: ['gureum quota set alice --max-vms 5 --max-memory 8G --max-disk none'],
    run: setQuota,
  },
  { path: ['usage'], summary: 'Show your resource usage and quota', run: showUsage },
  {
    path: ['audit', 'list'],
    summary: 'List audit events (admins: everyone; members: their own)',
    flags: [
      { name: 'actor', value: 'USER-ID', summary: 'Only what this user did' },
      { name: 'resource', value: 'ID', summary: 'Only events about this resource' },
      {
        name: 'since',
        value: 'WHEN',
        summary: 'Only events after a time (2025-01-31T12:00:00Z) or a duration ago (1h, 7d)',
      },
      { name: 'limit', value: 'N', summary: 'At most N events (default: all)' },
    ],
    run: listAudit,
  },
  {
    path: ['doctor'],
    summary: "Check the server's health (libvirt, database) and your login",
    description: 'The full preflight of the server host is `npm run doctor`, run on that host.',
    run: doctor,
  },
  {
    path: ['completion'],
    summary: 'Print a shell completion script',
    args: [{ name: 'SHELL', summary: 'The shell: bash', choices: ['bash'] }],
    examples: ['source <(gureum completion bash)', 'gureum completion bash > /etc/bash_completion.d/gureum'],
    run: (ctx) => {
      ctx.io.stdout.write(bashCompletion(COMMANDS, NOUNS, GLOBAL_FLAGS));
      return Promise.resolve(undefined);
    },
  },
];
