/**
 * REMOTE program procedures about the connection itself, the host, domain listing and statistics, and event
 * (de)registration. Part of {@link remoteProcedures}; see remote.ts.
 */
import {
  array,
  charArray,
  int,
  optString,
  string,
  struct,
  uhyper,
  uint,
  xvoid,
  type Infer,
} from '../xdr/codec.js';
import { proc } from './procedure.js';
import { Dom, OptDom, OptNet, OptPool, TypedParam } from './types.js';

/** `remote_node_get_info_ret`: `model` is a `char[32]` (128 bytes on the wire), `memory` is in KiB. */
export const NodeInfo = struct({
  model: charArray(32),
  memory: uhyper,
  cpus: int,
  mhz: int,
  nodes: int,
  sockets: int,
  cores: int,
  threads: int,
});
export type NodeInfo = Infer<typeof NodeInfo>;

/** `remote_domain_stats_record`: one domain's statistics as typed parameters (`state.state`, `cpu.time`, …). */
export const DomainStatsRecord = struct({ dom: Dom, params: array(TypedParam) });
export type DomainStatsRecord = Infer<typeof DomainStatsRecord>;

/** Most domains a `connectGetAllDomainStats` call may name (`REMOTE_DOMAIN_LIST_MAX`). */
export const DOMAIN_LIST_MAX = 16384;

export const connectProcedures = {
  // ---- Connection ------------------------------------------------------------------------------------------

  /**
   * `virConnectOpen`: must be called exactly once per connection, after {@link connectProcedures.authList}.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectOpen
   */
  connectOpen: proc(1, struct({ name: optString, flags: uint }), xvoid),
  /**
   * `virConnectClose`: releases the daemon-side connection (callbacks, streams, auto-destroy domains).
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectClose
   */
  connectClose: proc(2, xvoid, xvoid),
  /**
   * `virConnectSupportsFeature` (see `ConnectFeature`); 10 also switches the daemon's keepalive PINGs on.
   * @see https://gitlab.com/libvirt/libvirt/-/blob/v9.0.0/src/libvirt_internal.h
   */
  connectSupportsFeature: proc(60, struct({ feature: int }), int),
  /**
   * Lists the auth schemes (0 none, 1 SASL, 2 polkit). Required before anything else, even for root.
   * @see https://libvirt.org/auth.html
   */
  authList: proc(66, xvoid, array(int, 20)),
  /**
   * polkit authentication for non-root local clients; resolves to `complete`.
   * @see https://libvirt.org/auth.html#polkit-authentication
   */
  authPolkit: proc(70, xvoid, int),
  /**
   * `virConnectGetURI`: the canonical URI of the hypervisor connection.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetURI
   */
  connectGetUri: proc(110, xvoid, string),

  // ---- Host ------------------------------------------------------------------------------------------------

  /**
   * `virConnectGetType`: the driver name (`QEMU`).
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetType
   */
  connectGetType: proc(3, xvoid, string),
  /**
   * `virConnectGetVersion`: the hypervisor version as major×1,000,000 + minor×1,000 + micro.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetVersion
   */
  connectGetVersion: proc(4, xvoid, uhyper),
  /**
   * `virConnectGetLibVersion`: the daemon's libvirt version, encoded like {@link connectProcedures.connectGetVersion}.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetLibVersion
   */
  connectGetLibVersion: proc(157, xvoid, uhyper),
  /**
   * `virConnectGetHostname`.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetHostname
   */
  connectGetHostname: proc(59, xvoid, string),
  /**
   * `virConnectGetCapabilities`: the host capabilities XML.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectGetCapabilities
   */
  connectGetCapabilities: proc(7, xvoid, string),
  /**
   * `virConnectGetDomainCapabilities`: the domain capabilities XML (null arguments mean "the default").
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectGetDomainCapabilities
   */
  connectGetDomainCapabilities: proc(
    342,
    struct({ emulatorbin: optString, arch: optString, machine: optString, virttype: optString, flags: uint }),
    string,
  ),
  /**
   * `virNodeGetInfo`: CPU model and topology, memory in KiB.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virNodeGetInfo
   */
  nodeGetInfo: proc(6, xvoid, NodeInfo),
  /**
   * `virNodeGetFreeMemory`: free host memory in bytes.
   * @see https://libvirt.org/html/libvirt-libvirt-host.html#virNodeGetFreeMemory
   */
  nodeGetFreeMemory: proc(102, xvoid, uhyper),

  // ---- Domain listing and statistics -----------------------------------------------------------------------

  /**
   * `virConnectListAllDomains` (flags: `ConnectListAllDomainsFlags`); with `needResults: 0` only `ret` (the count) is filled.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectListAllDomains
   */
  connectListAllDomains: proc(
    273,
    struct({ needResults: int, flags: uint }),
    struct({ domains: array(Dom), ret: uint }),
  ),
  /**
   * `virConnectGetAllDomainStats`: `doms: []` means every domain matching `flags`; `stats: 0` means every group.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectGetAllDomainStats
   */
  connectGetAllDomainStats: proc(
    344,
    struct({ doms: array(Dom, DOMAIN_LIST_MAX), stats: uint, flags: uint }),
    array(DomainStatsRecord),
  ),

  // ---- Event registration ----------------------------------------------------------------------------------

  /**
   * `virConnectDomainEventRegisterAny` with callback ids (`DomainEventId`); `dom: null` subscribes to every domain.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventRegisterAny
   */
  connectDomainEventCallbackRegisterAny: proc(316, struct({ eventID: int, dom: OptDom }), int),
  /**
   * `virConnectDomainEventDeregisterAny`.
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventDeregisterAny
   */
  connectDomainEventCallbackDeregisterAny: proc(317, struct({ callbackID: int }), xvoid),
  /**
   * `virConnectNetworkEventRegisterAny` (`NetworkEventId`); `net: null` subscribes to every network.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virConnectNetworkEventRegisterAny
   */
  connectNetworkEventRegisterAny: proc(313, struct({ eventID: int, net: OptNet }), int),
  /**
   * `virConnectNetworkEventDeregisterAny`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virConnectNetworkEventDeregisterAny
   */
  connectNetworkEventDeregisterAny: proc(314, struct({ callbackID: int }), xvoid),
  /**
   * `virConnectStoragePoolEventRegisterAny` (`StoragePoolEventId`); `pool: null` subscribes to every pool.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virConnectStoragePoolEventRegisterAny
   */
  connectStoragePoolEventRegisterAny: proc(368, struct({ eventID: int, pool: OptPool }), int),
  /**
   * `virConnectStoragePoolEventDeregisterAny`.
   * @see https://libvirt.org/html/libvirt-libvirt-storage.html#virConnectStoragePoolEventDeregisterAny
   */
  connectStoragePoolEventDeregisterAny: proc(369, struct({ callbackID: int }), xvoid),
} as const;
