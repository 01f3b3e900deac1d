/**
 * Event messages of the REMOTE program: which message procedure each registered event id arrives as, and its
 * body. Every body starts with the callback id returned by the registration call.
 */
import { int, struct, type Codec, type Infer } from '../xdr/codec.js';
import { Dom, Net } from './types.js';

/** What a subscription is about: domains, networks or storage pools (separate registration procedures). */
export type EventObjectKind = 'domain' | 'network' | 'storagePool';

export interface EventMessage<K extends string, T> {
  /** The name the client uses for this event (`lifecycle`, `reboot`, …). */
  readonly name: K;
  readonly object: EventObjectKind;
  /** The event id passed to the registration call. */
  readonly eventId: number;
  /** The message procedure number the daemon sends. */
  readonly msgProc: number;
  /** The body, including the leading callbackID. */
  readonly body: Codec<T>;
}

function event<K extends string, T>(
  name: K,
  object: EventObjectKind,
  eventId: number,
  msgProc: number,
  body: Codec<T>,
): EventMessage<K, T> {
  return { name, object, eventId, msgProc, body };
}

export const domainLifecycleMsg = struct({ callbackID: int, dom: Dom, event: int, detail: int });
export type DomainLifecycleMsg = Infer<typeof domainLifecycleMsg>;

export const networkLifecycleMsg = struct({ callbackID: int, net: Net, event: int, detail: int });

/** The event table. */
export const remoteEvents = {
  domainLifecycle: event('domainLifecycle', 'domain', 0, 318, domainLifecycleMsg),
  networkLifecycle: event('networkLifecycle', 'network', 0, 315, networkLifecycleMsg),
} as const;

export type RemoteEvents = typeof remoteEvents;
export type RemoteEventName = keyof RemoteEvents;
/** The decoded body of a named event. */
export type RemoteEventBody<K extends RemoteEventName> = Infer<RemoteEvents[K]['body']>;
