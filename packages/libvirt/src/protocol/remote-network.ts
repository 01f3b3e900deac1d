/**
 * REMOTE program procedures on virtual networks. Part of {@link remoteProcedures}; see remote.ts.
 */
import { array, bool, hyper, int, optString, string, struct, uint, xvoid, type Infer } from '../xdr/codec.js';
import { proc } from './procedure.js';
import { Net, Uuid } from './types.js';

/** `remote_network_dhcp_lease`: `expirytime` in seconds since the epoch, `type` an `IpAddrType`. */
export const NetworkDhcpLease = struct({
  iface: string,
  expirytime: hyper,
  type: int,
  mac: optString,
  iaid: optString,
  ipaddr: string,
  prefix: uint,
  hostname: optString,
  clientid: optString,
});
export type NetworkDhcpLease = Infer<typeof NetworkDhcpLease>;

/** `{ net }`. */
const NetOnly = struct({ net: Net });

export const networkProcedures = {
  /**
   * `virConnectListAllNetworks`; flags: `ConnectListAllNetworksFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virConnectListAllNetworks
   */
  connectListAllNetworks: proc(
    283,
    struct({ needResults: int, flags: uint }),
    struct({ nets: array(Net), ret: uint }),
  ),
  /**
   * `virNetworkDefineXML`: defines a persistent (inactive) network.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkDefineXML
   */
  networkDefineXml: proc(41, struct({ xml: string }), Net),
  /**
   * `virNetworkCreateXML`: creates and starts a transient network.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkCreateXML
   */
  networkCreateXml: proc(40, struct({ xml: string }), Net),
  /**
   * `virNetworkCreate`: starts a defined network (bridge, firewall rules, dnsmasq).
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkCreate
   */
  networkCreate: proc(39, NetOnly, xvoid),
  /**
   * `virNetworkDestroy`: stops the network (a transient network disappears).
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkDestroy
   */
  networkDestroy: proc(42, NetOnly, xvoid),
  /**
   * `virNetworkUndefine`: forgets a persistent network's configuration.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkUndefine
   */
  networkUndefine: proc(49, NetOnly, xvoid),
  /**
   * `virNetworkLookupByName`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkLookupByName
   */
  networkLookupByName: proc(46, struct({ name: string }), Net),
  /**
   * `virNetworkLookupByUUID`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkLookupByUUID
   */
  networkLookupByUuid: proc(47, struct({ uuid: Uuid }), Net),
  /**
   * `virNetworkGetXMLDesc`; flags: `NetworkXmlFlags`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkGetXMLDesc
   */
  networkGetXmlDesc: proc(43, struct({ net: Net, flags: uint }), string),
  /**
   * `virNetworkGetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkGetAutostart
   */
  networkGetAutostart: proc(44, NetOnly, bool),
  /**
   * `virNetworkSetAutostart`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkSetAutostart
   */
  networkSetAutostart: proc(48, struct({ net: Net, autostart: bool }), xvoid),
  /**
   * `virNetworkIsActive`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkIsActive
   */
  networkIsActive: proc(152, NetOnly, bool),
  /**
   * `virNetworkIsPersistent`.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkIsPersistent
   */
  networkIsPersistent: proc(153, NetOnly, bool),
  /**
   * `virNetworkGetDHCPLeases`: `mac: null` for every lease.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkGetDHCPLeases
   */
  networkGetDhcpLeases: proc(
    341,
    struct({ net: Net, mac: optString, needResults: int, flags: uint }),
    struct({ leases: array(NetworkDhcpLease), ret: uint }),
  ),
  /**
   * `virNetworkUpdate`: edits one section (`NetworkUpdateCommand`, `NetworkUpdateSection`, `NetworkUpdateFlags`).
   * Old daemons without `ConnectFeature.NetworkUpdateHasCorrectOrder` read `command` and `section`
   * swapped; callers that support such daemons swap them.
   * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkUpdate
   */
  networkUpdate: proc(
    291,
    struct({ net: Net, command: uint, section: uint, parentIndex: int, xml: string, flags: uint }),
    xvoid,
  ),
} as const;
