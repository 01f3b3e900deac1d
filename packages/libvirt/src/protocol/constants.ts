/** Program numbers of the RPC protocol. */
export const Program = {
  Remote: 0x20008086,
  Qemu: 0x20008087,
  Keepalive: 0x6b656570,
} as const;

/** Protocol version of every program. */
export const PROGRAM_VERSION = 1;

/** The `type` field of a packet header. */
export const MessageType = {
  Call: 0,
  Reply: 1,
  Message: 2,
  Stream: 3,
  CallWithFds: 4,
  ReplyWithFds: 5,
  StreamHole: 6,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/** The `status` field of a packet header. */
export const MessageStatus = {
  Ok: 0,
  Error: 1,
  Continue: 2,
} as const;
export type MessageStatus = (typeof MessageStatus)[keyof typeof MessageStatus];

/** Keepalive program procedures. */
export const KeepaliveProcedure = { Ping: 1, Pong: 2 } as const;

/** Size of the length word plus the 24-byte header. */
export const PACKET_HEADER_BYTES = 28;
/** Largest header + payload the daemon accepts (libvirt ≥ 5.x: 32 MiB). The length word may be 4 more. */
export const MESSAGE_MAX_BYTES = 32 * 1024 * 1024;
/** Largest payload of one packet. */
export const PAYLOAD_MAX_BYTES = MESSAGE_MAX_BYTES - 24;
/** Chunk size for stream data the client sends (the daemon itself moves 256 KiB units). */
export const STREAM_CHUNK_BYTES = 256 * 1024;
/** Calls the daemon runs at once per connection (`max_client_requests`); more are queued client-side. */
export const DEFAULT_MAX_CONCURRENT_CALLS = 5;
