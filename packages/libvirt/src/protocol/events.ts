/**
 * Event messages of the REMOTE program: which message procedure each registered event id arrives as, and its
 * body. Every body starts with the callback id returned by the registration call. Field order is the wire order:
 * note the PM events, whose `reason` comes before `dom`.
 */
import {
  array,
  hyper,
  int,
  optString,
  string,
  struct,
  uhyper,
  uint,
  type Codec,
  type Infer,
} from '../xdr/codec.js';
import { Dom, Net, Pool, TypedParam } from './types.js';

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

// ---- Domain event bodies ---------------------------------------------------------------------------------

/** Lifecycle: `event` is a `DomainEventType`, `detail` one of the `DomainEvent*DetailType` values. */
export const domainLifecycleMsg = struct({ callbackID: int, dom: Dom, event: int, detail: int });
export type DomainLifecycleMsg = Infer<typeof domainLifecycleMsg>;
/** Bodies that carry only the domain (reboot, control error). */
export const domainOnlyMsg = struct({ callbackID: int, dom: Dom });
export type DomainOnlyMsg = Infer<typeof domainOnlyMsg>;
/** The guest changed its RTC: `offset` in seconds from the host's UTC clock. */
export const domainRtcChangeMsg = struct({ callbackID: int, dom: Dom, offset: hyper });
/** The watchdog fired: `action` is a `DomainEventWatchdogAction`. */
export const domainWatchdogMsg = struct({ callbackID: int, dom: Dom, action: int });
/** A disk I/O error: `action` is a `DomainEventIoErrorAction`. */
export const domainIoErrorMsg = struct({
  callbackID: int,
  dom: Dom,
  srcPath: string,
  devAlias: string,
  action: int,
});
/** A disk I/O error with the reason (e.g. `enospc`). */
export const domainIoErrorReasonMsg = struct({
  callbackID: int,
  dom: Dom,
  srcPath: string,
  devAlias: string,
  action: int,
  reason: string,
});
/** `remote_domain_event_graphics_address`: `family` is a `DomainEventGraphicsAddressType`. */
export const DomainEventGraphicsAddress = struct({ family: int, node: string, service: string });
/** A graphics (VNC/SPICE) client connected, authenticated or disconnected: `phase` is a `DomainEventGraphicsPhase`. */
export const domainGraphicsMsg = struct({
  callbackID: int,
  dom: Dom,
  phase: int,
  local: DomainEventGraphicsAddress,
  remote: DomainEventGraphicsAddress,
  authScheme: string,
  subject: array(struct({ type: string, name: string })),
});
/** A block job ended or is ready (`type`: `DomainBlockJobType`, `status`: `DomainBlockJobStatus`); `path` is the disk's source path. */
export const domainBlockJobMsg = struct({ callbackID: int, dom: Dom, path: string, type: int, status: int });
/** Like {@link domainBlockJobMsg} but names the disk by its target (`dst`, e.g. `vda`). */
export const domainBlockJob2Msg = struct({ callbackID: int, dom: Dom, dst: string, type: int, status: int });
/** Media changed: `reason` is a `DomainEventDiskChangeReason`. */
export const domainDiskChangeMsg = struct({
  callbackID: int,
  dom: Dom,
  oldSrcPath: optString,
  newSrcPath: optString,
  devAlias: string,
  reason: int,
});
/** A removable-media tray opened or closed: `reason` is a `DomainEventTrayChangeReason`. */
export const domainTrayChangeMsg = struct({ callbackID: int, dom: Dom, devAlias: string, reason: int });
/** Power-management events (wakeup, suspend, suspend-to-disk): `reason` precedes `dom` on the wire. */
export const domainPmMsg = struct({ callbackID: int, reason: int, dom: Dom });
export type DomainPmMsg = Infer<typeof domainPmMsg>;
/** The balloon changed the guest's memory: `actual` in KiB. */
export const domainBalloonChangeMsg = struct({ callbackID: int, dom: Dom, actual: uhyper });
/** A device was added, removed, or its removal failed. */
export const domainDeviceMsg = struct({ callbackID: int, dom: Dom, devAlias: string });
export type DomainDeviceMsg = Infer<typeof domainDeviceMsg>;
/** Tunables changed (CPU pinning, block I/O tuning, …), as typed parameters. */
export const domainTunableMsg = struct({ callbackID: int, dom: Dom, params: array(TypedParam) });
/** The guest agent connected or disconnected (`DomainEventAgentLifecycleState`/`…Reason`). */
export const domainAgentLifecycleMsg = struct({ callbackID: int, dom: Dom, state: int, reason: int });
/** A migration iteration started. */
export const domainMigrationIterationMsg = struct({ callbackID: int, dom: Dom, iteration: int });
/** A job finished; its statistics as typed parameters. */
export const domainJobCompletedMsg = struct({ callbackID: int, dom: Dom, params: array(TypedParam) });
/** Metadata changed: `type` is a `DomainMetadataType`, `nsuri` set for `Element`. */
export const domainMetadataChangeMsg = struct({ callbackID: int, dom: Dom, type: int, nsuri: optString });
/** A disk's write threshold was crossed; sizes in bytes. */
export const domainBlockThresholdMsg = struct({
  callbackID: int,
  dom: Dom,
  dev: string,
  path: optString,
  threshold: uhyper,
  excess: uhyper,
});
/** A memory failure (`DomainMemoryFailureRecipientType`, `DomainMemoryFailureActionType`, `DomainMemoryFailureFlags`). */
export const domainMemoryFailureMsg = struct({
  callbackID: int,
  dom: Dom,
  recipient: int,
  action: int,
  flags: uint,
});
/** A memory device (virtio-mem) changed size: `size` in KiB. */
export const domainMemoryDeviceSizeChangeMsg = struct({
  callbackID: int,
  dom: Dom,
  alias: string,
  size: uhyper,
});

// ---- Network and storage pool event bodies ---------------------------------------------------------------

/** Network lifecycle: `event` is a `NetworkEventType`; `detail` is always 0. */
export const networkLifecycleMsg = struct({ callbackID: int, net: Net, event: int, detail: int });
/** Storage pool lifecycle: `event` is a `StoragePoolEventType`; `detail` is always 0. */
export const storagePoolLifecycleMsg = struct({ callbackID: int, pool: Pool, event: int, detail: int });
/** A storage pool was refreshed. */
export const storagePoolRefreshMsg = struct({ callbackID: int, pool: Pool });

/**
 * The event table, keyed by the name the client uses. `eventId` is the `DomainEventId` / `NetworkEventId` /
 * `StoragePoolEventId` passed to the registration procedure of `object`; `msgProc` is the message the daemon sends.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventID
 */
export const remoteEvents = {
  domainLifecycle: event('domainLifecycle', 'domain', 0, 318, domainLifecycleMsg),
  domainReboot: event('domainReboot', 'domain', 1, 319, domainOnlyMsg),
  domainRtcChange: event('domainRtcChange', 'domain', 2, 320, domainRtcChangeMsg),
  domainWatchdog: event('domainWatchdog', 'domain', 3, 321, domainWatchdogMsg),
  domainIoError: event('domainIoError', 'domain', 4, 322, domainIoErrorMsg),
  domainGraphics: event('domainGraphics', 'domain', 5, 323, domainGraphicsMsg),
  domainIoErrorReason: event('domainIoErrorReason', 'domain', 6, 324, domainIoErrorReasonMsg),
  domainControlError: event('domainControlError', 'domain', 7, 325, domainOnlyMsg),
  domainBlockJob: event('domainBlockJob', 'domain', 8, 326, domainBlockJobMsg),
  domainDiskChange: event('domainDiskChange', 'domain', 9, 327, domainDiskChangeMsg),
  domainTrayChange: event('domainTrayChange', 'domain', 10, 328, domainTrayChangeMsg),
  domainPmWakeup: event('domainPmWakeup', 'domain', 11, 329, domainPmMsg),
  domainPmSuspend: event('domainPmSuspend', 'domain', 12, 330, domainPmMsg),
  domainBalloonChange: event('domainBalloonChange', 'domain', 13, 331, domainBalloonChangeMsg),
  domainPmSuspendDisk: event('domainPmSuspendDisk', 'domain', 14, 332, domainPmMsg),
  domainDeviceRemoved: event('domainDeviceRemoved', 'domain', 15, 333, domainDeviceMsg),
  domainBlockJob2: event('domainBlockJob2', 'domain', 16, 339, domainBlockJob2Msg),
  domainTunable: event('domainTunable', 'domain', 17, 346, domainTunableMsg),
  domainAgentLifecycle: event('domainAgentLifecycle', 'domain', 18, 348, domainAgentLifecycleMsg),
  domainDeviceAdded: event('domainDeviceAdded', 'domain', 19, 354, domainDeviceMsg),
  domainMigrationIteration: event('domainMigrationIteration', 'domain', 20, 359, domainMigrationIterationMsg),
  domainJobCompleted: event('domainJobCompleted', 'domain', 21, 363, domainJobCompletedMsg),
  domainDeviceRemovalFailed: event('domainDeviceRemovalFailed', 'domain', 22, 367, domainDeviceMsg),
  domainMetadataChange: event('domainMetadataChange', 'domain', 23, 379, domainMetadataChangeMsg),
  domainBlockThreshold: event('domainBlockThreshold', 'domain', 24, 385, domainBlockThresholdMsg),
  domainMemoryFailure: event('domainMemoryFailure', 'domain', 25, 423, domainMemoryFailureMsg),
  domainMemoryDeviceSizeChange: event(
    'domainMemoryDeviceSizeChange',
    'domain',
    26,
    438,
    domainMemoryDeviceSizeChangeMsg,
  ),
  networkLifecycle: event('networkLifecycle', 'network', 0, 315, networkLifecycleMsg),
  storagePoolLifecycle: event('storagePoolLifecycle', 'storagePool', 0, 370, storagePoolLifecycleMsg),
  storagePoolRefresh: event('storagePoolRefresh', 'storagePool', 1, 373, storagePoolRefreshMsg),
} as const;

export type RemoteEvents = typeof remoteEvents;
export type RemoteEventName = keyof RemoteEvents;
/** The decoded body of a named event. */
export type RemoteEventBody<K extends RemoteEventName> = Infer<RemoteEvents[K]['body']>;
