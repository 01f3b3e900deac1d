/**
 * Enums and flags of virtual networks.
 * Values are those of libvirt 9.0.0's public headers (append-only across releases); names follow the go-libvirt
 * rule in PascalCase: `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN` → `DomainShutdownFlags.AcpiPowerBtn`. Each object has a
 * matching union type of its values.
 */

/**
 * `virNetworkXMLFlags`: `flags` of `networkGetXmlDesc`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkXMLFlags
 */
export const NetworkXmlFlags = { Inactive: 1 } as const;
export type NetworkXmlFlags = (typeof NetworkXmlFlags)[keyof typeof NetworkXmlFlags];

/**
 * `virNetworkDefineFlags`: `flags` of `networkDefineXmlFlags`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkDefineFlags
 */
export const NetworkDefineFlags = { Validate: 1 } as const;
export type NetworkDefineFlags = (typeof NetworkDefineFlags)[keyof typeof NetworkDefineFlags];

/**
 * `virConnectListAllNetworksFlags`: filters of `connectListAllNetworks` (0 = all).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virConnectListAllNetworksFlags
 */
export const ConnectListAllNetworksFlags = {
  Inactive: 1,
  Active: 2,
  Persistent: 4,
  Transient: 8,
  Autostart: 16,
  NoAutostart: 32,
} as const;
export type ConnectListAllNetworksFlags =
  (typeof ConnectListAllNetworksFlags)[keyof typeof ConnectListAllNetworksFlags];

/**
 * `virNetworkUpdateCommand`: `command` of `networkUpdate`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkUpdateCommand
 */
export const NetworkUpdateCommand = { None: 0, Modify: 1, Delete: 2, AddLast: 3, AddFirst: 4 } as const;
export type NetworkUpdateCommand = (typeof NetworkUpdateCommand)[keyof typeof NetworkUpdateCommand];

/**
 * `virNetworkUpdateSection`: `section` of `networkUpdate`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkUpdateSection
 */
export const NetworkUpdateSection = {
  None: 0,
  Bridge: 1,
  Domain: 2,
  Ip: 3,
  IpDhcpHost: 4,
  IpDhcpRange: 5,
  Forward: 6,
  ForwardInterface: 7,
  ForwardPf: 8,
  Portgroup: 9,
  DnsHost: 10,
  DnsTxt: 11,
  DnsSrv: 12,
} as const;
export type NetworkUpdateSection = (typeof NetworkUpdateSection)[keyof typeof NetworkUpdateSection];

/**
 * `virNetworkUpdateFlags`: `flags` of `networkUpdate`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkUpdateFlags
 */
export const NetworkUpdateFlags = { Current: 0, Live: 1, Config: 2 } as const;
export type NetworkUpdateFlags = (typeof NetworkUpdateFlags)[keyof typeof NetworkUpdateFlags];

/**
 * `virNetworkEventID`: the `eventID` of `connectNetworkEventRegisterAny`.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkEventID
 */
export const NetworkEventId = { Lifecycle: 0 } as const;
export type NetworkEventId = (typeof NetworkEventId)[keyof typeof NetworkEventId];

/**
 * `virNetworkEventLifecycleType`: the `event` of a network lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-network.html#virNetworkEventLifecycleType
 */
export const NetworkEventType = { Defined: 0, Undefined: 1, Started: 2, Stopped: 3 } as const;
export type NetworkEventType = (typeof NetworkEventType)[keyof typeof NetworkEventType];
