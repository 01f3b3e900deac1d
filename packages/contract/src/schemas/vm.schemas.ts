import { Type, type Static } from '@sinclair/typebox';
import {
  Description,
  DiskSizeBytes,
  Id,
  MemoryBytes,
  Tags,
  Label,
  Timestamp,
  Vcpus,
  VmId,
  VmName,
  SizeBytes,
  emptyOptions,
  nullable,
  page,
  pageQuery,
  stringEnum,
} from '../common.js';

/** Live state, from libvirt; `unknown` while libvirt is unreachable. */
export const VmState = stringEnum(['running', 'stopped', 'paused', 'crashed', 'suspended', 'unknown']);
export type VmState = Static<typeof VmState>;

export const Firmware = stringEnum(['bios', 'uefi']);
export type Firmware = Static<typeof Firmware>;

/**
 * Boot order: `cdrom_hd` → cdrom first then disk (installing); `hd` → disk only; `cdrom` → cdrom only;
 * `hd_cdrom` → disk first then cdrom.
 */
export const BootOrder = stringEnum(['cdrom_hd', 'hd', 'cdrom', 'hd_cdrom']);
export type BootOrder = Static<typeof BootOrder>;

export const InstallationStatus = stringEnum(['not_installed', 'installing', 'installed', 'failed']);
export type InstallationStatus = Static<typeof InstallationStatus>;

export const DiskDevice = stringEnum(['disk', 'cdrom']);
export const DiskBus = stringEnum(['virtio', 'sata', 'scsi', 'ide', 'usb']);
export type DiskBus = Static<typeof DiskBus>;

/** A MAC address, lowercase, colon-separated. */
export const MacAddress = Type.String({ pattern: '^[0-9a-f]{2}(:[0-9a-f]{2}){5}$' });

/** A disk of a VM, as shown in the VM read model. */
export const VmDisk = Type.Object(
  {
    id: Id,
    device: DiskDevice,
    bus: DiskBus,
    sizeBytes: Type.Optional(SizeBytes),
    imageId: Type.Optional(Id),
    volumeId: Type.Optional(Id),
  },
  { title: 'VmDisk' },
);
export type VmDisk = Static<typeof VmDisk>;

/** The ISO inserted in a VM's cdrom. */
export const VmMedia = Type.Object({ imageId: Id, name: Type.String() }, { title: 'VmMedia' });
export type VmMedia = Static<typeof VmMedia>;

/** An address of a NIC and where it was learnt. */
export const VmNicAddress = Type.Object(
  { address: Type.String(), source: stringEnum(['lease', 'arp', 'agent']) },
  { title: 'VmNicAddress' },
);

/** A network interface of a VM. */
export const VmNic = Type.Object(
  { id: Id, networkId: Id, mac: MacAddress, ips: Type.Array(VmNicAddress) },
  { title: 'VmNic' },
);
export type VmNic = Static<typeof VmNic>;

/** The installation phase as shown in the VM read model. */
export const VmInstallationSummary = Type.Object(
  { status: InstallationStatus, startedAt: Type.Optional(Timestamp), finishedAt: Type.Optional(Timestamp) },
  { title: 'VmInstallationSummary' },
);
export type VmInstallationSummary = Static<typeof VmInstallationSummary>;

/** The VM read model (API.md "VM (read model)"). */
export const Vm = Type.Object(
  {
    id: VmId,
    name: VmName,
    description: Type.String(),
    tags: Type.Array(Type.String()),
    ownerId: Id,
    state: VmState,
    vcpus: Type.Integer({ minimum: 1 }),
    memoryBytes: Type.Integer({ minimum: 0 }),
    firmware: Firmware,
    bootOrder: BootOrder,
    installation: VmInstallationSummary,
    disks: Type.Array(VmDisk),
    media: nullable(VmMedia),
    nics: Type.Array(VmNic),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Vm' },
);
export type Vm = Static<typeof Vm>;

/** Boot from a ready disk image: the VM gets a copy-on-write overlay on it. */
export const VmSourceImage = Type.Object(
  { imageId: Id },
  { additionalProperties: false, title: 'VmSourceImage' },
);
/** Install from an ISO onto a blank disk: boot order `cdrom_hd`, installation tracked. */
export const VmSourceBlank = Type.Object(
  {
    blank: Type.Object({ sizeBytes: DiskSizeBytes }, { additionalProperties: false }),
    isoImageId: Id,
  },
  { additionalProperties: false, title: 'VmSourceBlank' },
);

/** `POST /vms` body. */
export const VmCreate = Type.Object(
  {
    name: VmName,
    vcpus: Vcpus,
    memoryBytes: MemoryBytes,
    source: Type.Union([VmSourceImage, VmSourceBlank]),
    networks: Type.Optional(
      Type.Array(Id, { maxItems: 8, uniqueItems: true, description: 'Network ids, one NIC each.' }),
    ),
    start: Type.Optional(Type.Boolean({ description: 'Start the VM once created (default false).' })),
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    firmware: Type.Optional(Firmware),
    keepMediaAfterInstall: Type.Optional(
      Type.Boolean({
        description: 'Keep the ISO inserted when the installation completes (default false: eject).',
      }),
    ),
    ownerId: Type.Optional(
      Type.String({
        ...Id,
        description:
          'The user the VM is created for (default: the caller); its quota is the one checked. Admins may name any ' +
          'user (an unknown id is 404 `USER_NOT_FOUND`); anyone else only their own id (another id is 403 `FORBIDDEN`).',
      }),
    ),
  },
  { additionalProperties: false, title: 'VmCreate' },
);
export type VmCreate = Static<typeof VmCreate>;

/** `PATCH /vms/{idOrName}` body: partial; vCPU and memory changes of a running VM apply at next boot. */
export const VmUpdate = Type.Object(
  {
    description: Type.Optional(Description),
    tags: Type.Optional(Tags),
    vcpus: Type.Optional(Vcpus),
    memoryBytes: Type.Optional(MemoryBytes),
  },
  { additionalProperties: false, title: 'VmUpdate' },
);
export type VmUpdate = Static<typeof VmUpdate>;

/** `GET /vms` query. `q` matches name and description; `ownerId` is for admins. */
export const VmListQuery = Type.Object(
  {
    ...pageQuery,
    state: Type.Optional(VmState),
    tag: Type.Optional(Label),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    ownerId: Type.Optional(Id),
  },
  { title: 'VmListQuery' },
);
export type VmListQuery = Static<typeof VmListQuery>;

export const VmList = page(Vm, 'VmList');
export type VmList = Static<typeof VmList>;

/** `POST /vms/{id}/actions/start` body. */
export const VmStartOptions = emptyOptions('VmStartOptions');
export type VmStartOptions = Record<string, never>;

/**
 * `POST /vms/{id}/actions/stop` body: a graceful ACPI shutdown that waits up to `timeoutMs` (default 60 000) for
 * the guest to power off; then fails with `VM_INVALID_STATE`, or powers off hard when `force` is true.
 */
export const VmStopOptions = Type.Object(
  {
    force: Type.Optional(
      Type.Boolean({ description: 'Power off hard if the guest has not stopped in time.' }),
    ),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  },
  { additionalProperties: false, title: 'VmStopOptions' },
);
export type VmStopOptions = Static<typeof VmStopOptions>;

export const VmForceStopOptions = emptyOptions('VmForceStopOptions');
export type VmForceStopOptions = Record<string, never>;
export const VmRebootOptions = emptyOptions('VmRebootOptions');
export type VmRebootOptions = Record<string, never>;
export const VmResetOptions = emptyOptions('VmResetOptions');
export type VmResetOptions = Record<string, never>;
export const VmPauseOptions = emptyOptions('VmPauseOptions');
export type VmPauseOptions = Record<string, never>;
export const VmResumeOptions = emptyOptions('VmResumeOptions');
export type VmResumeOptions = Record<string, never>;

/** What a destructive request would remove (`?dryRun=true`). */
export const DeletePlanItem = Type.Object(
  {
    kind: stringEnum([
      'vm',
      'domain',
      'volume',
      'nvram',
      'snapshot',
      'image',
      'network',
      'nic',
      'user',
      'token',
    ]),
    id: Type.String(),
    name: Type.Optional(Type.String()),
    path: Type.Optional(Type.String({ description: 'A file inside a managed pool (admins only).' })),
  },
  { title: 'DeletePlanItem' },
);
export const DeletePlan = Type.Object({ wouldDelete: Type.Array(DeletePlanItem) }, { title: 'DeletePlan' });
export type DeletePlan = Static<typeof DeletePlan>;

/** `GET/PUT /vms/{id}/boot-order` reply; `pendingRestart` when a running VM still uses the previous order. */
export const VmBootOrder = Type.Object(
  { order: BootOrder, pendingRestart: Type.Boolean() },
  { title: 'VmBootOrder' },
);
export type VmBootOrder = Static<typeof VmBootOrder>;
export const VmBootOrderUpdate = Type.Object(
  { order: BootOrder },
  { additionalProperties: false, title: 'VmBootOrderUpdate' },
);
export type VmBootOrderUpdate = Static<typeof VmBootOrderUpdate>;

/** `PUT /vms/{id}/media` body: insert or replace the ISO (running or not). */
export const VmMediaInsert = Type.Object(
  { imageId: Id },
  { additionalProperties: false, title: 'VmMediaInsert' },
);
export type VmMediaInsert = Static<typeof VmMediaInsert>;

/** `GET /vms/{id}/installation`. */
export const VmInstallation = Type.Object(
  {
    status: InstallationStatus,
    startedAt: Type.Optional(Timestamp),
    finishedAt: Type.Optional(Timestamp),
    isoImageId: nullable(Id),
    keepMediaAfterInstall: Type.Boolean(),
    message: Type.Optional(Type.String()),
  },
  { title: 'VmInstallation' },
);
export type VmInstallation = Static<typeof VmInstallation>;

/**
 * `POST /vms/{id}/actions/complete-installation` body: mark `installed` by hand (eject the ISO unless kept,
 * boot order → `hd`), or `failed` to abandon an attempt (it can be retried by starting the VM from the ISO).
 */
export const VmCompleteInstallationOptions = Type.Object(
  {
    status: Type.Optional(
      stringEnum(['installed', 'failed'], {
        description:
          '`installed` (default) or `failed`; after `failed`, starting the VM with an ISO inserted retries.',
      }),
    ),
  },
  { additionalProperties: false, title: 'VmCompleteInstallationOptions' },
);
export type VmCompleteInstallationOptions = Static<typeof VmCompleteInstallationOptions>;

/** `POST /vms/{id}/console` body. */
export const ConsoleCreate = Type.Object(
  { type: stringEnum(['vnc', 'serial']) },
  { additionalProperties: false, title: 'ConsoleCreate' },
);
export type ConsoleCreate = Static<typeof ConsoleCreate>;

/** A single-use console ticket: open a WebSocket to `url` within 30 s. */
export const ConsoleTicket = Type.Object(
  { url: Type.String({ description: '/api/v1/consoles/<ticket>' }), expiresAt: Timestamp },
  { title: 'ConsoleTicket' },
);
export type ConsoleTicket = Static<typeof ConsoleTicket>;

/** `POST /vms/{id}/nics` body. */
export const VmNicCreate = Type.Object(
  { networkId: Id, mac: Type.Optional(MacAddress) },
  { additionalProperties: false, title: 'VmNicCreate' },
);
export type VmNicCreate = Static<typeof VmNicCreate>;
