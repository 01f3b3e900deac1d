/**
 * REMOTE (and QEMU) program procedures on domains and their snapshots. Part of {@link remoteProcedures}; see
 * remote.ts. Domain handles are resolved by the daemon by UUID only.
 */
import {
  array,
  bool,
  int,
  optString,
  string,
  struct,
  uhyper,
  uint,
  xvoid,
  type Infer,
} from '../xdr/codec.js';
import { Program } from './constants.js';
import { proc } from './procedure.js';
import { Dom, Snap, Uuid } from './types.js';

/** `remote_domain_get_info_ret`: `state` and `nrVirtCpu` are a `uchar`/`ushort` (4 bytes each); memory in KiB, CPU time in ns. */
export const DomainInfo = struct({
  state: uint,
  maxMem: uhyper,
  memory: uhyper,
  nrVirtCpu: uint,
  cpuTime: uhyper,
});
export type DomainInfo = Infer<typeof DomainInfo>;

/** `remote_domain_get_block_info_ret`, in wire order (which differs from the C struct `virDomainBlockInfo`). */
export const DomainBlockInfo = struct({ allocation: uhyper, capacity: uhyper, physical: uhyper });
export type DomainBlockInfo = Infer<typeof DomainBlockInfo>;

/** `remote_domain_ip_addr`: `type` is an `IpAddrType`. */
export const DomainIpAddr = struct({ type: int, addr: string, prefix: uint });
export type DomainIpAddr = Infer<typeof DomainIpAddr>;

/** `remote_domain_interface`: a guest interface and its addresses. */
export const DomainInterface = struct({ name: string, hwaddr: optString, addrs: array(DomainIpAddr) });
export type DomainInterface = Infer<typeof DomainInterface>;

/** `{ dom, flags }`, the arguments of many domain procedures. */
const DomFlags = struct({ dom: Dom, flags: uint });
/** `{ dom }`. */
const DomOnly = struct({ dom: Dom });
/** `{ dom, xml, flags }` of the device procedures. */
const DomXmlFlags = struct({ dom: Dom, xml: string, flags: uint });
/** `{ snap, flags }`. */
const SnapFlags = struct({ snap: Snap, flags: uint });
/** `{ snapshots, ret }`: snapshot lists; `ret` is an `int` here, unlike the other list procedures. */
const SnapList = struct({ snapshots: array(Snap), ret: int });

export const domainProcedures = {
  // ---- Define, start and stop ------------------------------------------------------------------------------

  /**
   * `virDomainDefineXMLFlags`: defines (or redefines) a persistent domain; flags: `DomainDefineFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDefineXMLFlags
   */
  domainDefineXmlFlags: proc(350, struct({ xml: string, flags: uint }), Dom),
  /**
   * `virDomainUndefineFlags`; flags: `DomainUndefineFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainUndefineFlags
   */
  domainUndefineFlags: proc(231, DomFlags, xvoid),
  /**
   * `virDomainCreateXML`: starts a transient domain; flags: `DomainCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCreateXML
   */
  domainCreateXml: proc(10, struct({ xmlDesc: string, flags: uint }), Dom),
  /**
   * `virDomainCreateWithFlags`: starts a defined domain and returns the handle with its new id.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainCreateWithFlags
   */
  domainCreateWithFlags: proc(196, DomFlags, Dom),
  /**
   * `virDomainDestroyFlags`: hard power-off; flags: `DomainDestroyFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDestroyFlags
   */
  domainDestroyFlags: proc(234, DomFlags, xvoid),
  /**
   * `virDomainShutdownFlags`: asks the guest to shut down (returns before it has); flags: `DomainShutdownFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainShutdownFlags
   */
  domainShutdownFlags: proc(258, DomFlags, xvoid),
  /**
   * `virDomainReboot`: asks the guest to reboot; flags: `DomainRebootFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainReboot
   */
  domainReboot: proc(27, DomFlags, xvoid),
  /**
   * `virDomainReset`: hard reset without guest cooperation.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainReset
   */
  domainReset: proc(245, DomFlags, xvoid),
  /**
   * `virDomainSuspend`: pauses the vCPUs.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainSuspend
   */
  domainSuspend: proc(34, DomOnly, xvoid),
  /**
   * `virDomainResume`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainResume
   */
  domainResume: proc(28, DomOnly, xvoid),
  /**
   * `virDomainManagedSave`: saves the memory state and stops the domain; the next start restores it.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainManagedSave
   */
  domainManagedSave: proc(182, DomFlags, xvoid),
  /**
   * `virDomainHasManagedSaveImage`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainHasManagedSaveImage
   */
  domainHasManagedSaveImage: proc(183, DomFlags, bool),
  /**
   * `virDomainManagedSaveRemove`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainManagedSaveRemove
   */
  domainManagedSaveRemove: proc(184, DomFlags, xvoid),

  // ---- Look-up and state -----------------------------------------------------------------------------------

  /**
   * `virDomainLookupByUUID`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainLookupByUUID
   */
  domainLookupByUuid: proc(24, struct({ uuid: Uuid }), Dom),
  /**
   * `virDomainLookupByName`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainLookupByName
   */
  domainLookupByName: proc(23, struct({ name: string }), Dom),
  /**
   * `virDomainLookupByID`: running domains only.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainLookupByID
   */
  domainLookupById: proc(22, struct({ id: int }), Dom),
  /**
   * `virDomainGetXMLDesc`; flags: `DomainXmlFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetXMLDesc
   */
  domainGetXmlDesc: proc(14, DomFlags, string),
  /**
   * `virDomainGetInfo`: state (`DomainState`), memory, vCPUs and CPU time.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetInfo
   */
  domainGetInfo: proc(16, DomOnly, DomainInfo),
  /**
   * `virDomainGetState`: `state` is a `DomainState`, `reason` one of the matching `Domain*Reason` values.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetState
   */
  domainGetState: proc(212, DomFlags, struct({ state: int, reason: int })),
  /**
   * `virDomainIsActive`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainIsActive
   */
  domainIsActive: proc(150, DomOnly, bool),
  /**
   * `virDomainIsPersistent`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainIsPersistent
   */
  domainIsPersistent: proc(151, DomOnly, bool),
  /**
   * `virDomainGetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetAutostart
   */
  domainGetAutostart: proc(15, DomOnly, bool),
  /**
   * `virDomainSetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainSetAutostart
   */
  domainSetAutostart: proc(29, struct({ dom: Dom, autostart: bool }), xvoid),

  // ---- Devices, resources and metadata ---------------------------------------------------------------------

  /**
   * `virDomainAttachDeviceFlags`; flags: `DomainDeviceModifyFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainAttachDeviceFlags
   */
  domainAttachDeviceFlags: proc(160, DomXmlFlags, xvoid),
  /**
   * `virDomainDetachDeviceFlags`: for live detach, wait for the device-removed event.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDetachDeviceFlags
   */
  domainDetachDeviceFlags: proc(161, DomXmlFlags, xvoid),
  /**
   * `virDomainUpdateDeviceFlags`: e.g. change a CD-ROM's media.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainUpdateDeviceFlags
   */
  domainUpdateDeviceFlags: proc(174, DomXmlFlags, xvoid),
  /**
   * `virDomainDetachDeviceAlias`: detaches the device with this alias (`ua-…` for user aliases).
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainDetachDeviceAlias
   */
  domainDetachDeviceAlias: proc(392, struct({ dom: Dom, alias: string, flags: uint }), xvoid),
  /**
   * `virDomainBlockResize`: size in KiB unless `DomainBlockResizeFlags.Bytes`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainBlockResize
   */
  domainBlockResize: proc(251, struct({ dom: Dom, disk: string, size: uhyper, flags: uint }), xvoid),
  /**
   * `virDomainGetBlockInfo`: sizes in bytes of one disk (target name or source path).
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetBlockInfo
   */
  domainGetBlockInfo: proc(194, struct({ dom: Dom, path: string, flags: uint }), DomainBlockInfo),
  /**
   * `virDomainInterfaceAddresses`; source: `DomainInterfaceAddressesSource`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainInterfaceAddresses
   */
  domainInterfaceAddresses: proc(
    353,
    struct({ dom: Dom, source: uint, flags: uint }),
    array(DomainInterface),
  ),
  /**
   * `virDomainSetVcpusFlags`; flags: `DomainVcpuFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainSetVcpusFlags
   */
  domainSetVcpusFlags: proc(199, struct({ dom: Dom, nvcpus: uint, flags: uint }), xvoid),
  /**
   * `virDomainSetMemoryFlags`: memory in KiB; flags: `DomainMemoryModFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainSetMemoryFlags
   */
  domainSetMemoryFlags: proc(204, struct({ dom: Dom, memory: uhyper, flags: uint }), xvoid),
  /**
   * `virDomainGetMetadata`; type: `DomainMetadataType`, `uri` only for `Element`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainGetMetadata
   */
  domainGetMetadata: proc(265, struct({ dom: Dom, type: int, uri: optString, flags: uint }), string),
  /**
   * `virDomainSetMetadata`: `metadata: null` removes it; `key` and `uri` only for `Element`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainSetMetadata
   */
  domainSetMetadata: proc(
    264,
    struct({ dom: Dom, type: int, metadata: optString, key: optString, uri: optString, flags: uint }),
    xvoid,
  ),

  // ---- Streams and the guest agent -------------------------------------------------------------------------

  /**
   * `virDomainOpenConsole`: a bidirectional stream on a serial console (`devName: null` = the first one).
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainOpenConsole
   */
  domainOpenConsole: proc(201, struct({ dom: Dom, devName: optString, flags: uint }), xvoid, {
    stream: 'both',
  }),
  /**
   * `virDomainScreenshot`: resolves to the image's MIME type, then streams the image.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainScreenshot
   */
  domainScreenshot: proc(211, struct({ dom: Dom, screen: uint, flags: uint }), optString, { stream: 'read' }),
  /**
   * `virDomainQemuMonitorCommand` (QEMU program): a QMP command passed to the domain's QEMU as is (libvirt marks the
   * domain tainted). For repairs libvirt offers no API for.
   * @see https://libvirt.org/html/libvirt-libvirt-qemu.html#virDomainQemuMonitorCommand
   */
  qemuDomainMonitorCommand: proc(1, struct({ dom: Dom, cmd: string, flags: uint }), string, {
    program: Program.Qemu,
  }),
  /**
   * `virDomainQemuAgentCommand` (QEMU program): a guest-agent JSON command; timeout in seconds or a
   * `DomainQemuAgentCommandTimeout` value. Blocks one of the connection's request slots while it runs.
   * @see https://libvirt.org/html/libvirt-libvirt-qemu.html#virDomainQemuAgentCommand
   */
  qemuDomainAgentCommand: proc(3, struct({ dom: Dom, cmd: string, timeout: int, flags: uint }), optString, {
    program: Program.Qemu,
  }),

  // ---- Snapshots -------------------------------------------------------------------------------------------

  /**
   * `virDomainSnapshotCreateXML`; flags: `DomainSnapshotCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotCreateXML
   */
  domainSnapshotCreateXml: proc(185, struct({ dom: Dom, xmlDesc: string, flags: uint }), Snap),
  /**
   * `virDomainSnapshotGetXMLDesc`; flags: `DomainSnapshotXmlFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotGetXMLDesc
   */
  domainSnapshotGetXmlDesc: proc(186, SnapFlags, string),
  /**
   * `virDomainListAllSnapshots`; flags: `DomainSnapshotListFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainListAllSnapshots
   */
  domainListAllSnapshots: proc(274, struct({ dom: Dom, needResults: int, flags: uint }), SnapList),
  /**
   * `virDomainSnapshotListAllChildren`; flags: `DomainSnapshotListFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotListAllChildren
   */
  domainSnapshotListAllChildren: proc(275, struct({ snap: Snap, needResults: int, flags: uint }), SnapList),
  /**
   * `virDomainSnapshotLookupByName`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotLookupByName
   */
  domainSnapshotLookupByName: proc(189, struct({ dom: Dom, name: string, flags: uint }), Snap),
  /**
   * `virDomainHasCurrentSnapshot`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainHasCurrentSnapshot
   */
  domainHasCurrentSnapshot: proc(190, DomFlags, bool),
  /**
   * `virDomainSnapshotCurrent`: fails with `NoDomainSnapshot` when there is none.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotCurrent
   */
  domainSnapshotCurrent: proc(191, DomFlags, Snap),
  /**
   * `virDomainSnapshotGetParent`: fails with `NoDomainSnapshot` for a root snapshot.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotGetParent
   */
  domainSnapshotGetParent: proc(244, SnapFlags, Snap),
  /**
   * `virDomainRevertToSnapshot`; flags: `DomainSnapshotRevertFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainRevertToSnapshot
   */
  domainRevertToSnapshot: proc(192, SnapFlags, xvoid),
  /**
   * `virDomainSnapshotDelete`; flags: `DomainSnapshotDeleteFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain-snapshot.html#virDomainSnapshotDelete
   */
  domainSnapshotDelete: proc(193, SnapFlags, xvoid),
} as const;
