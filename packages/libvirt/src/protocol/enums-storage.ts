/**
 * Enums and flags of storage pools and volumes.
 * Values are those of libvirt 9.0.0's public headers (append-only across releases); names follow the go-libvirt
 * rule in PascalCase: `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN` → `DomainShutdownFlags.AcpiPowerBtn`. Each object has a
 * matching union type of its values.
 */

// ---- Storage pools ---------------------------------------------------------------------------------------

/**
 * `virStoragePoolState`: `state` of `storagePoolGetInfo`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolState
 */
export const StoragePoolState = {
  Inactive: 0,
  Building: 1,
  Running: 2,
  Degraded: 3,
  Inaccessible: 4,
} as const;
export type StoragePoolState = (typeof StoragePoolState)[keyof typeof StoragePoolState];

/**
 * `virStoragePoolBuildFlags`: `flags` of `storagePoolBuild`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolBuildFlags
 */
export const StoragePoolBuildFlags = { New: 0, Repair: 1, Resize: 2, NoOverwrite: 4, Overwrite: 8 } as const;
export type StoragePoolBuildFlags = (typeof StoragePoolBuildFlags)[keyof typeof StoragePoolBuildFlags];

/**
 * `virStoragePoolCreateFlags`: `flags` of `storagePoolCreate` and `storagePoolCreateXml`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolCreateFlags
 */
export const StoragePoolCreateFlags = {
  Normal: 0,
  WithBuild: 1,
  WithBuildOverwrite: 2,
  WithBuildNoOverwrite: 4,
} as const;
export type StoragePoolCreateFlags = (typeof StoragePoolCreateFlags)[keyof typeof StoragePoolCreateFlags];

/**
 * `virStoragePoolDefineFlags`: `flags` of `storagePoolDefineXml`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolDefineFlags
 */
export const StoragePoolDefineFlags = { Validate: 1 } as const;
export type StoragePoolDefineFlags = (typeof StoragePoolDefineFlags)[keyof typeof StoragePoolDefineFlags];

/**
 * `virStoragePoolDeleteFlags`: `flags` of `storagePoolDelete`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolDeleteFlags
 */
export const StoragePoolDeleteFlags = { Normal: 0, Zeroed: 1 } as const;
export type StoragePoolDeleteFlags = (typeof StoragePoolDeleteFlags)[keyof typeof StoragePoolDeleteFlags];

/**
 * `virStorageXMLFlags`: `flags` of `storagePoolGetXmlDesc`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageXMLFlags
 */
export const StorageXmlFlags = { Inactive: 1 } as const;
export type StorageXmlFlags = (typeof StorageXmlFlags)[keyof typeof StorageXmlFlags];

/**
 * `virConnectListAllStoragePoolsFlags`: filters of `connectListAllStoragePools` (0 = all).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virConnectListAllStoragePoolsFlags
 */
export const ConnectListAllStoragePoolsFlags = {
  Inactive: 1,
  Active: 2,
  Persistent: 4,
  Transient: 8,
  Autostart: 16,
  NoAutostart: 32,
  Dir: 64,
  Fs: 128,
  NetFs: 256,
  Logical: 512,
  Disk: 1024,
  Iscsi: 2048,
  Scsi: 4096,
  Mpath: 8192,
  Rbd: 16384,
  Sheepdog: 32768,
  Gluster: 65536,
  Zfs: 131072,
  Vstorage: 262144,
  IscsiDirect: 524288,
} as const;
export type ConnectListAllStoragePoolsFlags =
  (typeof ConnectListAllStoragePoolsFlags)[keyof typeof ConnectListAllStoragePoolsFlags];

/**
 * `virStoragePoolEventID`: the `eventID` of `connectStoragePoolEventRegisterAny`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolEventID
 */
export const StoragePoolEventId = { Lifecycle: 0, Refresh: 1 } as const;
export type StoragePoolEventId = (typeof StoragePoolEventId)[keyof typeof StoragePoolEventId];

/**
 * `virStoragePoolEventLifecycleType`: the `event` of a storage pool lifecycle event (`Created` = built,
 * `Deleted` = its storage removed).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolEventLifecycleType
 */
export const StoragePoolEventType = {
  Defined: 0,
  Undefined: 1,
  Started: 2,
  Stopped: 3,
  Created: 4,
  Deleted: 5,
} as const;
export type StoragePoolEventType = (typeof StoragePoolEventType)[keyof typeof StoragePoolEventType];

// ---- Storage volumes -------------------------------------------------------------------------------------

/**
 * `virStorageVolType`: `type` of `storageVolGetInfo`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolType
 */
export const StorageVolType = { File: 0, Block: 1, Dir: 2, Network: 3, NetDir: 4, Ploop: 5 } as const;
export type StorageVolType = (typeof StorageVolType)[keyof typeof StorageVolType];

/**
 * `virStorageVolCreateFlags`: `flags` of `storageVolCreateXml` and `storageVolCreateXmlFrom`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolCreateFlags
 */
export const StorageVolCreateFlags = { PreallocMetadata: 1, Reflink: 2, Validate: 4 } as const;
export type StorageVolCreateFlags = (typeof StorageVolCreateFlags)[keyof typeof StorageVolCreateFlags];

/**
 * `virStorageVolDeleteFlags`: `flags` of `storageVolDelete`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolDeleteFlags
 */
export const StorageVolDeleteFlags = { Normal: 0, Zeroed: 1, WithSnapshots: 2 } as const;
export type StorageVolDeleteFlags = (typeof StorageVolDeleteFlags)[keyof typeof StorageVolDeleteFlags];

/**
 * `virStorageVolResizeFlags`: `flags` of `storageVolResize` (without `Delta` the capacity is the new absolute
 * size in bytes).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolResizeFlags
 */
export const StorageVolResizeFlags = { Allocate: 1, Delta: 2, Shrink: 4 } as const;
export type StorageVolResizeFlags = (typeof StorageVolResizeFlags)[keyof typeof StorageVolResizeFlags];

/**
 * `virStorageVolUploadFlags`: `flags` of `storageVolUpload`. Only with `SparseStream` may the client send
 * holes; a hole on any other stream makes the daemon drop the connection.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolUploadFlags
 */
export const StorageVolUploadFlags = { SparseStream: 1 } as const;
export type StorageVolUploadFlags = (typeof StorageVolUploadFlags)[keyof typeof StorageVolUploadFlags];

/**
 * `virStorageVolDownloadFlags`: `flags` of `storageVolDownload` (`SparseStream` lets the daemon send holes
 * instead of zeros).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolDownloadFlags
 */
export const StorageVolDownloadFlags = { SparseStream: 1 } as const;
export type StorageVolDownloadFlags = (typeof StorageVolDownloadFlags)[keyof typeof StorageVolDownloadFlags];

/**
 * `virStorageVolWipeAlgorithm`: the algorithm of `virStorageVolWipePattern` (`storageVolWipe` always zeroes).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolWipeAlgorithm
 */
export const StorageVolWipeAlgorithm = {
  Zero: 0,
  Nnsa: 1,
  Dod: 2,
  Bsi: 3,
  Gutmann: 4,
  Schneier: 5,
  Pfitzner7: 6,
  Pfitzner33: 7,
  Random: 8,
  Trim: 9,
} as const;
export type StorageVolWipeAlgorithm = (typeof StorageVolWipeAlgorithm)[keyof typeof StorageVolWipeAlgorithm];
