/**
 * The procedures of libvirt's REMOTE program that Gureum uses, as a declarative table written from the protocol
 * facts (procedure numbers and XDR layouts are stable across libvirt releases; new ones are only appended).
 * Each entry becomes a typed method of `LibvirtClient` with the same name.
 */
import { array, int, optString, string, struct, uint, xvoid } from '../xdr/codec.js';
import { proc } from './procedure.js';
import { Dom, Net, OptDom, OptNet, OptPool } from './types.js';

export const remoteProcedures = {
  /** `virConnectOpen`: must be called exactly once per connection, after {@link remoteProcedures.authList}. */
  connectOpen: proc(1, struct({ name: optString, flags: uint }), xvoid),
  /** `virConnectClose`. */
  connectClose: proc(2, xvoid, xvoid),
  /** `virConnectSupportsFeature`: 10 = keepalive (also switches the daemon's PINGs on), 14 = event callbacks. */
  connectSupportsFeature: proc(60, struct({ feature: int }), int),
  /** Lists the auth schemes (0 none, 1 SASL, 2 polkit). Required before anything else, even for root. */
  authList: proc(66, xvoid, array(int, 20)),
  /** polkit authentication for non-root local clients. */
  authPolkit: proc(70, xvoid, int),
  /** `virConnectGetURI`. */
  connectGetUri: proc(110, xvoid, string),
  /** `virConnectDomainEventRegisterAny` with callback ids; `dom: null` subscribes to every domain. */
  connectDomainEventCallbackRegisterAny: proc(316, struct({ eventID: int, dom: OptDom }), int),
  connectDomainEventCallbackDeregisterAny: proc(317, struct({ callbackID: int }), xvoid),
  /** Network lifecycle events. */
  connectNetworkEventRegisterAny: proc(313, struct({ eventID: int, net: OptNet }), int),
  connectNetworkEventDeregisterAny: proc(314, struct({ callbackID: int }), xvoid),
  /** Storage pool events. */
  connectStoragePoolEventRegisterAny: proc(368, struct({ eventID: int, pool: OptPool }), int),
  connectStoragePoolEventDeregisterAny: proc(369, struct({ callbackID: int }), xvoid),
  /** `virDomainLookupByName`. */
  domainLookupByName: proc(23, struct({ name: string }), Dom),
  /** `virNetworkLookupByName`. */
  networkLookupByName: proc(46, struct({ name: string }), Net),
} as const;

export type RemoteProcedures = typeof remoteProcedures;
