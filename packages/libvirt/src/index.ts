export * from './xdr/index.js';
export * from './protocol/constants.js';
export * from './protocol/procedure.js';
export * from './protocol/types.js';
export * from './protocol/remote.js';
export * from './protocol/events.js';
export * from './protocol/error-numbers.js';
export * from './protocol/enums.js';
export * from './errors.js';
export { LibvirtClient } from './client.js';
export type {
  ConnectionState,
  LibvirtClientEvents,
  LibvirtClientOptions,
  ProcedureMethod,
  ProcedureMethods,
} from './client.js';
export type { CallOptions, KeepaliveOptions } from './connection.js';
export { EventSubscription } from './event-subscription.js';
export type { WaitOptions } from './event-subscription.js';
export type { EventBody, EventFilterOptions, SubscribeOptions } from './event-hub.js';
export { LibvirtDuplexStream, LibvirtReadStream, StreamHole } from './stream.js';
export type { StreamOptions, UploadSource } from './stream.js';
export {
  parseLibvirtUri,
  SYSTEM_SOCKET_PATH,
  SYSTEM_SOCKET_PATH_RO,
  TCP_PORT,
  TLS_PORT,
} from './transport/uri.js';
export type { ConnectTarget, Transport } from './transport/uri.js';
export { dialTcp, dialTls, dialUnix, dialerFor } from './transport/dial.js';
export type { Dialer, TlsOptions } from './transport/dial.js';
export { encodePacket, MAX_PACKET_BYTES, PacketDecoder } from './transport/packet.js';
export type { Packet, PacketHeader } from './transport/packet.js';
export { deadlineSignal } from './deadline.js';
