/**
 * Enums and flags of domains, their state, listing, statistics, configuration and snapshots.
 * Values are those of libvirt 9.0.0's public headers (append-only across releases); names follow the go-libvirt
 * rule in PascalCase: `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN` → `DomainShutdownFlags.AcpiPowerBtn`. Each object has a
 * matching union type of its values.
 */

// ---- Domain state ----------------------------------------------------------------------------------------

/**
 * `virDomainState`: `state` of `domainGetState` and `domainGetInfo`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainState
 */
export const DomainState = {
  NoState: 0,
  Running: 1,
  Blocked: 2,
  Paused: 3,
  Shutdown: 4,
  Shutoff: 5,
  Crashed: 6,
  PmSuspended: 7,
} as const;
export type DomainState = (typeof DomainState)[keyof typeof DomainState];

/**
 * `virDomainNostateReason`: `reason` of `domainGetState` when the state is `DomainState.NoState`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainNostateReason
 */
export const DomainNoStateReason = { Unknown: 0 } as const;
export type DomainNoStateReason = (typeof DomainNoStateReason)[keyof typeof DomainNoStateReason];

/**
 * `virDomainRunningReason`: `reason` of `domainGetState` when the state is `DomainState.Running`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainRunningReason
 */
export const DomainRunningReason = {
  Unknown: 0,
  Booted: 1,
  Migrated: 2,
  Restored: 3,
  FromSnapshot: 4,
  Unpaused: 5,
  MigrationCanceled: 6,
  SaveCanceled: 7,
  Wakeup: 8,
  Crashed: 9,
  Postcopy: 10,
  PostcopyFailed: 11,
} as const;
export type DomainRunningReason = (typeof DomainRunningReason)[keyof typeof DomainRunningReason];

/**
 * `virDomainBlockedReason`: `reason` of `domainGetState` when the state is `DomainState.Blocked`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainBlockedReason
 */
export const DomainBlockedReason = { Unknown: 0 } as const;
export type DomainBlockedReason = (typeof DomainBlockedReason)[keyof typeof DomainBlockedReason];

/**
 * `virDomainPausedReason`: `reason` of `domainGetState` when the state is `DomainState.Paused`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainPausedReason
 */
export const DomainPausedReason = {
  Unknown: 0,
  User: 1,
  Migration: 2,
  Save: 3,
  Dump: 4,
  IoError: 5,
  Watchdog: 6,
  FromSnapshot: 7,
  ShuttingDown: 8,
  Snapshot: 9,
  Crashed: 10,
  StartingUp: 11,
  Postcopy: 12,
  PostcopyFailed: 13,
} as const;
export type DomainPausedReason = (typeof DomainPausedReason)[keyof typeof DomainPausedReason];

/**
 * `virDomainShutdownReason`: `reason` of `domainGetState` when the state is `DomainState.Shutdown` (shutting
 * down).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainShutdownReason
 */
export const DomainShutdownReason = { Unknown: 0, User: 1 } as const;
export type DomainShutdownReason = (typeof DomainShutdownReason)[keyof typeof DomainShutdownReason];

/**
 * `virDomainShutoffReason`: `reason` of `domainGetState` when the state is `DomainState.Shutoff`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainShutoffReason
 */
export const DomainShutoffReason = {
  Unknown: 0,
  Shutdown: 1,
  Destroyed: 2,
  Crashed: 3,
  Migrated: 4,
  Saved: 5,
  Failed: 6,
  FromSnapshot: 7,
  Daemon: 8,
} as const;
export type DomainShutoffReason = (typeof DomainShutoffReason)[keyof typeof DomainShutoffReason];

/**
 * `virDomainCrashedReason`: `reason` of `domainGetState` when the state is `DomainState.Crashed`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCrashedReason
 */
export const DomainCrashedReason = { Unknown: 0, Panicked: 1 } as const;
export type DomainCrashedReason = (typeof DomainCrashedReason)[keyof typeof DomainCrashedReason];

/**
 * `virDomainPMSuspendedReason`: `reason` of `domainGetState` when the state is `DomainState.PmSuspended`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainPMSuspendedReason
 */
export const DomainPmSuspendedReason = { Unknown: 0 } as const;
export type DomainPmSuspendedReason = (typeof DomainPmSuspendedReason)[keyof typeof DomainPmSuspendedReason];

// ---- Domain listing and statistics -----------------------------------------------------------------------

/**
 * `virConnectListAllDomainsFlags`: filters of `connectListAllDomains` (0 = all; groups are ANDed, bits in a
 * group ORed).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectListAllDomainsFlags
 */
export const ConnectListAllDomainsFlags = {
  Active: 1,
  Inactive: 2,
  Persistent: 4,
  Transient: 8,
  Running: 16,
  Paused: 32,
  Shutoff: 64,
  Other: 128,
  ManagedSave: 256,
  NoManagedSave: 512,
  Autostart: 1024,
  NoAutostart: 2048,
  HasSnapshot: 4096,
  NoSnapshot: 8192,
  HasCheckpoint: 16384,
  NoCheckpoint: 32768,
} as const;
export type ConnectListAllDomainsFlags =
  (typeof ConnectListAllDomainsFlags)[keyof typeof ConnectListAllDomainsFlags];

/**
 * `virConnectGetAllDomainStatsFlags`: filters and options of `connectGetAllDomainStats`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectGetAllDomainStatsFlags
 */
export const ConnectGetAllDomainStatsFlags = {
  Active: 1,
  Inactive: 2,
  Persistent: 4,
  Transient: 8,
  Running: 16,
  Paused: 32,
  Shutoff: 64,
  Other: 128,
  Nowait: 536870912,
  Backing: 1073741824,
  EnforceStats: 2147483648,
} as const;
export type ConnectGetAllDomainStatsFlags =
  (typeof ConnectGetAllDomainStatsFlags)[keyof typeof ConnectGetAllDomainStatsFlags];

/**
 * `virDomainStatsTypes`: the `stats` groups of `connectGetAllDomainStats` (0 = every group).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainStatsTypes
 */
export const DomainStatsTypes = {
  State: 1,
  CpuTotal: 2,
  Balloon: 4,
  Vcpu: 8,
  Interface: 16,
  Block: 32,
  Perf: 64,
  IoThread: 128,
  Memory: 256,
  DirtyRate: 512,
  Vm: 1024,
} as const;
export type DomainStatsTypes = (typeof DomainStatsTypes)[keyof typeof DomainStatsTypes];

// ---- Domain life cycle and configuration -----------------------------------------------------------------

/**
 * `virDomainXMLFlags`: `flags` of `domainGetXmlDesc`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainXMLFlags
 */
export const DomainXmlFlags = { Secure: 1, Inactive: 2, UpdateCpu: 4, Migratable: 8 } as const;
export type DomainXmlFlags = (typeof DomainXmlFlags)[keyof typeof DomainXmlFlags];

/**
 * `virDomainDefineFlags`: `flags` of `domainDefineXmlFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDefineFlags
 */
export const DomainDefineFlags = { Validate: 1 } as const;
export type DomainDefineFlags = (typeof DomainDefineFlags)[keyof typeof DomainDefineFlags];

/**
 * `virDomainUndefineFlagsValues`: `flags` of `domainUndefineFlags`. A domain with snapshots, a managed save
 * image or NVRAM fails to undefine unless the matching flag is given.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainUndefineFlagsValues
 */
export const DomainUndefineFlags = {
  ManagedSave: 1,
  SnapshotsMetadata: 2,
  Nvram: 4,
  KeepNvram: 8,
  CheckpointsMetadata: 16,
  Tpm: 32,
  KeepTpm: 64,
} as const;
export type DomainUndefineFlags = (typeof DomainUndefineFlags)[keyof typeof DomainUndefineFlags];

/**
 * `virDomainCreateFlags`: `flags` of `domainCreateXml` and `domainCreateWithFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCreateFlags
 */
export const DomainCreateFlags = {
  None: 0,
  StartPaused: 1,
  StartAutoDestroy: 2,
  StartBypassCache: 4,
  StartForceBoot: 8,
  StartValidate: 16,
  StartResetNvram: 32,
} as const;
export type DomainCreateFlags = (typeof DomainCreateFlags)[keyof typeof DomainCreateFlags];

/**
 * `virDomainDestroyFlagsValues`: `flags` of `domainDestroyFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDestroyFlagsValues
 */
export const DomainDestroyFlags = { Default: 0, Graceful: 1, RemoveLogs: 2 } as const;
export type DomainDestroyFlags = (typeof DomainDestroyFlags)[keyof typeof DomainDestroyFlags];

/**
 * `virDomainShutdownFlagValues`: `flags` of `domainShutdownFlags` (which shutdown methods may be used; 0 lets
 * the hypervisor choose).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainShutdownFlagValues
 */
export const DomainShutdownFlags = {
  Default: 0,
  AcpiPowerBtn: 1,
  GuestAgent: 2,
  Initctl: 4,
  Signal: 8,
  Paravirt: 16,
} as const;
export type DomainShutdownFlags = (typeof DomainShutdownFlags)[keyof typeof DomainShutdownFlags];

/**
 * `virDomainRebootFlagValues`: `flags` of `domainReboot` (same bits as {@link DomainShutdownFlags}).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainRebootFlagValues
 */
export const DomainRebootFlags = {
  Default: 0,
  AcpiPowerBtn: 1,
  GuestAgent: 2,
  Initctl: 4,
  Signal: 8,
  Paravirt: 16,
} as const;
export type DomainRebootFlags = (typeof DomainRebootFlags)[keyof typeof DomainRebootFlags];

/**
 * `virDomainModificationImpact`: whether a change applies to the running domain, its persistent config, or
 * both (`domainSetMetadata`, `domainGetMetadata`).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainModificationImpact
 */
export const DomainModificationImpact = { Current: 0, Live: 1, Config: 2 } as const;
export type DomainModificationImpact =
  (typeof DomainModificationImpact)[keyof typeof DomainModificationImpact];

/**
 * `virDomainDeviceModifyFlags`: `flags` of `domainAttachDeviceFlags`, `domainDetachDeviceFlags`,
 * `domainUpdateDeviceFlags` and `domainDetachDeviceAlias`. `Live` on an inactive domain fails with
 * `OperationInvalid`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDeviceModifyFlags
 */
export const DomainDeviceModifyFlags = { Current: 0, Live: 1, Config: 2, Force: 4 } as const;
export type DomainDeviceModifyFlags = (typeof DomainDeviceModifyFlags)[keyof typeof DomainDeviceModifyFlags];

/**
 * `virDomainVcpuFlags`: `flags` of `domainSetVcpusFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainVcpuFlags
 */
export const DomainVcpuFlags = {
  Current: 0,
  Live: 1,
  Config: 2,
  Maximum: 4,
  Guest: 8,
  Hotpluggable: 16,
} as const;
export type DomainVcpuFlags = (typeof DomainVcpuFlags)[keyof typeof DomainVcpuFlags];

/**
 * `virDomainMemoryModFlags`: `flags` of `domainSetMemoryFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMemoryModFlags
 */
export const DomainMemoryModFlags = { Current: 0, Live: 1, Config: 2, Maximum: 4 } as const;
export type DomainMemoryModFlags = (typeof DomainMemoryModFlags)[keyof typeof DomainMemoryModFlags];

/**
 * `virDomainMetadataType`: `type` of `domainGetMetadata`/`domainSetMetadata` (`Element` needs a namespace URI
 * and key).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMetadataType
 */
export const DomainMetadataType = { Description: 0, Title: 1, Element: 2 } as const;
export type DomainMetadataType = (typeof DomainMetadataType)[keyof typeof DomainMetadataType];

/**
 * `virDomainBlockResizeFlags`: `flags` of `domainBlockResize` (without `Bytes` the size is in KiB).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainBlockResizeFlags
 */
export const DomainBlockResizeFlags = { Bytes: 1 } as const;
export type DomainBlockResizeFlags = (typeof DomainBlockResizeFlags)[keyof typeof DomainBlockResizeFlags];

/**
 * `virDomainInterfaceAddressesSource`: `source` of `domainInterfaceAddresses` (libvirt's DHCP leases, the
 * guest agent, or the host ARP table).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainInterfaceAddressesSource
 */
export const DomainInterfaceAddressesSource = { Lease: 0, Agent: 1, Arp: 2 } as const;
export type DomainInterfaceAddressesSource =
  (typeof DomainInterfaceAddressesSource)[keyof typeof DomainInterfaceAddressesSource];

/**
 * `virIPAddrType`: address family in `domainInterfaceAddresses` and `networkGetDhcpLeases` results.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virIPAddrType
 */
export const IpAddrType = { Ipv4: 0, Ipv6: 1 } as const;
export type IpAddrType = (typeof IpAddrType)[keyof typeof IpAddrType];

/**
 * `virDomainConsoleFlags`: `flags` of `domainOpenConsole` (`Force` takes over a console another client
 * holds).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainConsoleFlags
 */
export const DomainConsoleFlags = { Force: 1, Safe: 2 } as const;
export type DomainConsoleFlags = (typeof DomainConsoleFlags)[keyof typeof DomainConsoleFlags];

/**
 * `virDomainQemuAgentCommandTimeoutValues`: special `timeout` values (seconds otherwise) of
 * `qemuDomainAgentCommand`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-qemu.html#virDomainQemuAgentCommandTimeoutValues
 */
export const DomainQemuAgentCommandTimeout = { Block: -2, Default: -1, Nowait: 0, Shutdown: 60 } as const;
export type DomainQemuAgentCommandTimeout =
  (typeof DomainQemuAgentCommandTimeout)[keyof typeof DomainQemuAgentCommandTimeout];

// ---- Domain snapshots ------------------------------------------------------------------------------------

/**
 * `virDomainSnapshotCreateFlags`: `flags` of `domainSnapshotCreateXml`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotCreateFlags
 */
export const DomainSnapshotCreateFlags = {
  Redefine: 1,
  Current: 2,
  NoMetadata: 4,
  Halt: 8,
  DiskOnly: 16,
  ReuseExt: 32,
  Quiesce: 64,
  Atomic: 128,
  Live: 256,
  Validate: 512,
} as const;
export type DomainSnapshotCreateFlags =
  (typeof DomainSnapshotCreateFlags)[keyof typeof DomainSnapshotCreateFlags];

/**
 * `virDomainSnapshotXMLFlags`: `flags` of `domainSnapshotGetXmlDesc`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotXMLFlags
 */
export const DomainSnapshotXmlFlags = { Secure: 1 } as const;
export type DomainSnapshotXmlFlags = (typeof DomainSnapshotXmlFlags)[keyof typeof DomainSnapshotXmlFlags];

/**
 * `virDomainSnapshotListFlags`: filters of `domainListAllSnapshots` and `domainSnapshotListAllChildren`
 * (`Roots` for the former and `Descendants` for the latter share bit 1).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotListFlags
 */
export const DomainSnapshotListFlags = {
  Roots: 1,
  Descendants: 1,
  Leaves: 4,
  NoLeaves: 8,
  Metadata: 2,
  NoMetadata: 16,
  Inactive: 32,
  Active: 64,
  DiskOnly: 128,
  Internal: 256,
  External: 512,
  Topological: 1024,
} as const;
export type DomainSnapshotListFlags = (typeof DomainSnapshotListFlags)[keyof typeof DomainSnapshotListFlags];

/**
 * `virDomainSnapshotRevertFlags`: `flags` of `domainRevertToSnapshot`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotRevertFlags
 */
export const DomainSnapshotRevertFlags = { Running: 1, Paused: 2, Force: 4, ResetNvram: 8 } as const;
export type DomainSnapshotRevertFlags =
  (typeof DomainSnapshotRevertFlags)[keyof typeof DomainSnapshotRevertFlags];

/**
 * `virDomainSnapshotDeleteFlags`: `flags` of `domainSnapshotDelete`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotDeleteFlags
 */
export const DomainSnapshotDeleteFlags = { Children: 1, MetadataOnly: 2, ChildrenOnly: 4 } as const;
export type DomainSnapshotDeleteFlags =
  (typeof DomainSnapshotDeleteFlags)[keyof typeof DomainSnapshotDeleteFlags];
