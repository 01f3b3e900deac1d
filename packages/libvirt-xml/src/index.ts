// Public surface of @gureum/libvirt-xml: typed builders and parsers for libvirt XML. Pure functions, no I/O.

export { LibvirtXmlError } from './errors.js';
export type { LibvirtXmlErrorCode } from './errors.js';
export { parseScaledBytes } from './units.js';
export type { ByteCount } from './units.js';

export type {
  BootOrderMode,
  CdromBus,
  CdromSpec,
  CpuMode,
  CrashAction,
  DiskBus,
  DiskFormat,
  DiskSource,
  DiskSpec,
  DomainSpec,
  DomainType,
  Firmware,
  LifecycleAction,
  MachineType,
  NicModel,
  NicSpec,
  SerialSpec,
  StorageDeviceSpec,
  VncSpec,
} from './domain/domain.types.js';
export type {
  ParsedCharDevice,
  ParsedDisk,
  ParsedDomain,
  ParsedGraphics,
  ParsedInterface,
  ParsedLoader,
} from './domain/parsed.types.js';
export { GUREUM_VM_NAMESPACE } from './domain/metadata.js';
export type { GureumVmMetadata, InstallationStatus } from './domain/metadata.js';
export { buildDomainXml, UEFI_MIN_MEMORY_BYTES } from './domain/domain.builder.js';
export { parseDomainXml, machineFamily } from './domain/domain.parser.js';
export { buildDiskDeviceXml, buildCdromMediaXml, buildInterfaceDeviceXml } from './domain/devices.builder.js';
export { bootOrderFor, bootOrderOf, setBootOrder } from './domain/boot-order.js';

export type { ParsedBackingStore } from './storage/backing-store.js';
export { buildStoragePoolXml, parseStoragePoolXml } from './storage/storage-pool.js';
export type { ParsedStoragePool, StoragePermissions, StoragePoolSpec } from './storage/storage-pool.js';
export { buildStorageVolumeXml, parseStorageVolumeXml } from './storage/storage-volume.js';
export type { ParsedStorageVolume, StorageVolumeSpec, VolumeFormat } from './storage/storage-volume.js';

export { buildNetworkXml, parseNetworkXml } from './network/network.js';
export type {
  DhcpHost,
  NetworkForwardMode,
  NetworkIpv4,
  NetworkSpec,
  ParsedNetwork,
} from './network/network.js';

export { buildDomainSnapshotXml, parseDomainSnapshotXml } from './snapshot/domain-snapshot.js';
export type {
  DomainSnapshotSpec,
  ParsedDomainSnapshot,
  SnapshotDiskSpec,
  SnapshotKind,
} from './snapshot/domain-snapshot.js';

export { parseCapabilitiesXml } from './capabilities/capabilities.js';
export type { GuestCapabilities, GuestMachine, ParsedCapabilities } from './capabilities/capabilities.js';
export { parseDomainCapabilitiesXml } from './capabilities/domain-capabilities.js';
export type { CapabilityBlock, ParsedDomainCapabilities } from './capabilities/domain-capabilities.js';
