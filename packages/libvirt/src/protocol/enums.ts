/**
 * The libvirt enums and flags Gureum uses, as `as const` objects plus a union type of each object's values.
 * Values are those of libvirt 9.0.0's public headers (append-only across releases); names follow the go-libvirt
 * rule in PascalCase: `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN` → `DomainShutdownFlags.AcpiPowerBtn`.
 *
 * @example
 * ```ts
 * await client.domainShutdownFlags({ dom, flags: DomainShutdownFlags.AcpiPowerBtn | DomainShutdownFlags.GuestAgent });
 * if (state === DomainState.Shutoff) console.log('stopped');
 * ```
 */
export * from './enums-domain.js';
export * from './enums-domain-events.js';
export * from './enums-storage.js';
export * from './enums-network.js';

// ---- Connection and host ---------------------------------------------------------------------------------

/**
 * `virDrvFeature`: the `feature` of `connectSupportsFeature`. These are libvirt-internal driver features, not
 * part of the public headers; numbers never change. Asking for `ProgramKeepalive` also makes the daemon start
 * sending keepalive PINGs, which the client must then answer.
 *
 * @see https://gitlab.com/libvirt/libvirt/-/blob/v9.0.0/src/libvirt_internal.h
 */
export const ConnectFeature = {
  MigrationV1: 1,
  Remote: 2,
  MigrationV2: 3,
  MigrationP2p: 4,
  MigrationDirect: 5,
  MigrationV3: 6,
  MigrateChangeProtection: 7,
  FdPassing: 8,
  TypedParamString: 9,
  ProgramKeepalive: 10,
  XmlMigratable: 11,
  MigrationOffline: 12,
  MigrationParams: 13,
  RemoteEventCallback: 14,
  RemoteCloseCallback: 15,
  NetworkUpdateHasCorrectOrder: 16,
} as const;
export type ConnectFeature = (typeof ConnectFeature)[keyof typeof ConnectFeature];

/**
 * `virConnectFlags`: `flags` of `connectOpen` (read-only connection, no URI aliases).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-host.html#virConnectFlags
 */
export const ConnectFlags = { Ro: 1, NoAliases: 2 } as const;
export type ConnectFlags = (typeof ConnectFlags)[keyof typeof ConnectFlags];

/**
 * `virConnectCloseReason`: why the daemon closed a connection (close-callback event).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-common.html#virConnectCloseReason
 */
export const ConnectCloseReason = { Error: 0, Eof: 1, Keepalive: 2, Client: 3 } as const;
export type ConnectCloseReason = (typeof ConnectCloseReason)[keyof typeof ConnectCloseReason];
