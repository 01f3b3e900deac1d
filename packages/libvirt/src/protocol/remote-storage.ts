/**
 * REMOTE program procedures on storage pools and volumes. Part of {@link remoteProcedures}; see remote.ts.
 */
import { array, bool, int, string, struct, uhyper, uint, xvoid, type Infer } from '../xdr/codec.js';
import { proc } from './procedure.js';
import { Pool, Uuid, Vol } from './types.js';

/** `remote_storage_pool_get_info_ret`: `state` (a `StoragePoolState`) is a `uchar` (4 bytes); sizes in bytes. */
export const StoragePoolInfo = struct({
  state: uint,
  capacity: uhyper,
  allocation: uhyper,
  available: uhyper,
});
export type StoragePoolInfo = Infer<typeof StoragePoolInfo>;

/** `remote_storage_vol_get_info_ret`: `type` (a `StorageVolType`) is a `char` (4 bytes); sizes in bytes. */
export const StorageVolInfo = struct({ type: int, capacity: uhyper, allocation: uhyper });
export type StorageVolInfo = Infer<typeof StorageVolInfo>;

/** `{ pool }`. */
const PoolOnly = struct({ pool: Pool });
/** `{ pool, flags }`. */
const PoolFlags = struct({ pool: Pool, flags: uint });
/** `{ xml, flags }`. */
const XmlFlags = struct({ xml: string, flags: uint });
/** `{ vol }`. */
const VolOnly = struct({ vol: Vol });
/** `{ vol, flags }`. */
const VolFlags = struct({ vol: Vol, flags: uint });
/** `{ vol, offset, length, flags }` of the stream procedures (`length: 0n` = to the end). */
const VolRange = struct({ vol: Vol, offset: uhyper, length: uhyper, flags: uint });

export const storageProcedures = {
  // ---- Storage pools ---------------------------------------------------------------------------------------

  /**
   * `virConnectListAllStoragePools`; flags: `ConnectListAllStoragePoolsFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virConnectListAllStoragePools
   */
  connectListAllStoragePools: proc(
    281,
    struct({ needResults: int, flags: uint }),
    struct({ pools: array(Pool), ret: uint }),
  ),
  /**
   * `virStoragePoolDefineXML`: defines a persistent (inactive) pool; flags: `StoragePoolDefineFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolDefineXML
   */
  storagePoolDefineXml: proc(77, XmlFlags, Pool),
  /**
   * `virStoragePoolCreateXML`: creates and starts a transient pool; flags: `StoragePoolCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolCreateXML
   */
  storagePoolCreateXml: proc(76, XmlFlags, Pool),
  /**
   * `virStoragePoolCreate`: starts a defined pool; flags: `StoragePoolCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolCreate
   */
  storagePoolCreate: proc(78, PoolFlags, xvoid),
  /**
   * `virStoragePoolBuild`: creates the pool's storage (e.g. its directory); flags: `StoragePoolBuildFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolBuild
   */
  storagePoolBuild: proc(79, PoolFlags, xvoid),
  /**
   * `virStoragePoolDestroy`: stops the pool (a transient pool disappears); the data stays.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolDestroy
   */
  storagePoolDestroy: proc(80, PoolOnly, xvoid),
  /**
   * `virStoragePoolDelete`: removes the pool's storage (inactive pools only); flags: `StoragePoolDeleteFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolDelete
   */
  storagePoolDelete: proc(81, PoolFlags, xvoid),
  /**
   * `virStoragePoolUndefine`: forgets an inactive persistent pool.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolUndefine
   */
  storagePoolUndefine: proc(82, PoolOnly, xvoid),
  /**
   * `virStoragePoolRefresh`: rescans the pool's volumes.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolRefresh
   */
  storagePoolRefresh: proc(83, PoolFlags, xvoid),
  /**
   * `virStoragePoolLookupByName`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolLookupByName
   */
  storagePoolLookupByName: proc(84, struct({ name: string }), Pool),
  /**
   * `virStoragePoolLookupByUUID`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolLookupByUUID
   */
  storagePoolLookupByUuid: proc(85, struct({ uuid: Uuid }), Pool),
  /**
   * `virStoragePoolGetInfo`: state and sizes in bytes.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolGetInfo
   */
  storagePoolGetInfo: proc(87, PoolOnly, StoragePoolInfo),
  /**
   * `virStoragePoolGetXMLDesc`; flags: `StorageXmlFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolGetXMLDesc
   */
  storagePoolGetXmlDesc: proc(88, PoolFlags, string),
  /**
   * `virStoragePoolGetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolGetAutostart
   */
  storagePoolGetAutostart: proc(89, PoolOnly, bool),
  /**
   * `virStoragePoolSetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolSetAutostart
   */
  storagePoolSetAutostart: proc(90, struct({ pool: Pool, autostart: bool }), xvoid),
  /**
   * `virStoragePoolIsActive`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolIsActive
   */
  storagePoolIsActive: proc(154, PoolOnly, bool),
  /**
   * `virStoragePoolNumOfVolumes`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolNumOfVolumes
   */
  storagePoolNumOfVolumes: proc(91, PoolOnly, int),
  /**
   * `virStoragePoolListAllVolumes` (no flags are defined: pass 0).
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStoragePoolListAllVolumes
   */
  storagePoolListAllVolumes: proc(
    282,
    struct({ pool: Pool, needResults: int, flags: uint }),
    struct({ vols: array(Vol), ret: uint }),
  ),

  // ---- Storage volumes -------------------------------------------------------------------------------------

  /**
   * `virStorageVolCreateXML`; flags: `StorageVolCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolCreateXML
   */
  storageVolCreateXml: proc(93, struct({ pool: Pool, xml: string, flags: uint }), Vol),
  /**
   * `virStorageVolCreateXMLFrom`: creates a volume as a copy of `clonevol`; flags: `StorageVolCreateFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolCreateXMLFrom
   */
  storageVolCreateXmlFrom: proc(125, struct({ pool: Pool, xml: string, clonevol: Vol, flags: uint }), Vol),
  /**
   * `virStorageVolDelete`; flags: `StorageVolDeleteFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolDelete
   */
  storageVolDelete: proc(94, VolFlags, xvoid),
  /**
   * `virStorageVolWipe`: overwrites the volume's data with zeros.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolWipe
   */
  storageVolWipe: proc(165, VolFlags, xvoid),
  /**
   * `virStorageVolLookupByName`: a volume of one pool.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolLookupByName
   */
  storageVolLookupByName: proc(95, struct({ pool: Pool, name: string }), Vol),
  /**
   * `virStorageVolLookupByKey`: the key is the path for directory pools.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolLookupByKey
   */
  storageVolLookupByKey: proc(96, struct({ key: string }), Vol),
  /**
   * `virStorageVolLookupByPath`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolLookupByPath
   */
  storageVolLookupByPath: proc(97, struct({ path: string }), Vol),
  /**
   * `virStorageVolGetInfo`: type and sizes in bytes.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolGetInfo
   */
  storageVolGetInfo: proc(98, VolOnly, StorageVolInfo),
  /**
   * `virStorageVolGetXMLDesc` (no flags are defined: pass 0).
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolGetXMLDesc
   */
  storageVolGetXmlDesc: proc(99, VolFlags, string),
  /**
   * `virStorageVolGetPath`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolGetPath
   */
  storageVolGetPath: proc(100, VolOnly, string),
  /**
   * `virStorageVolResize`: capacity in bytes; flags: `StorageVolResizeFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolResize
   */
  storageVolResize: proc(260, struct({ vol: Vol, capacity: uhyper, flags: uint }), xvoid),
  /**
   * `virStorageVolUpload`: then the client streams the data; flags: `StorageVolUploadFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolUpload
   */
  storageVolUpload: proc(208, VolRange, xvoid, { stream: 'write' }),
  /**
   * `virStorageVolDownload`: then the daemon streams the data; flags: `StorageVolDownloadFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virStorageVolDownload
   */
  storageVolDownload: proc(209, VolRange, xvoid, { stream: 'read' }),
} as const;
