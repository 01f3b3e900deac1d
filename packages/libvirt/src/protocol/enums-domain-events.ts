/**
 * Enums of domain events: the event ids, lifecycle event types and their details, and the codes inside event bodies.
 * Values are those of libvirt 9.0.0's public headers (append-only across releases); names follow the go-libvirt
 * rule in PascalCase: `VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN` → `DomainShutdownFlags.AcpiPowerBtn`. Each object has a
 * matching union type of its values.
 */

/**
 * `virDomainEventID`: the `eventID` of `connectDomainEventCallbackRegisterAny`; each id arrives as its own
 * message procedure (see `remoteEvents`).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventID
 */
export const DomainEventId = {
  Lifecycle: 0,
  Reboot: 1,
  RtcChange: 2,
  Watchdog: 3,
  IoError: 4,
  Graphics: 5,
  IoErrorReason: 6,
  ControlError: 7,
  BlockJob: 8,
  DiskChange: 9,
  TrayChange: 10,
  PmWakeup: 11,
  PmSuspend: 12,
  BalloonChange: 13,
  PmSuspendDisk: 14,
  DeviceRemoved: 15,
  BlockJob2: 16,
  Tunable: 17,
  AgentLifecycle: 18,
  DeviceAdded: 19,
  MigrationIteration: 20,
  JobCompleted: 21,
  DeviceRemovalFailed: 22,
  MetadataChange: 23,
  BlockThreshold: 24,
  MemoryFailure: 25,
  MemoryDeviceSizeChange: 26,
} as const;
export type DomainEventId = (typeof DomainEventId)[keyof typeof DomainEventId];

/**
 * `virDomainEventType`: the `event` of a lifecycle event. Its `detail` is one of the `DomainEvent*DetailType`
 * objects (see {@link DomainEventDetailType}).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventType
 */
export const DomainEventType = {
  Defined: 0,
  Undefined: 1,
  Started: 2,
  Suspended: 3,
  Resumed: 4,
  Stopped: 5,
  Shutdown: 6,
  PmSuspended: 7,
  Crashed: 8,
} as const;
export type DomainEventType = (typeof DomainEventType)[keyof typeof DomainEventType];

/**
 * `virDomainEventDefinedDetailType`: `detail` of a `DomainEventType.Defined` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventDefinedDetailType
 */
export const DomainEventDefinedDetailType = { Added: 0, Updated: 1, Renamed: 2, FromSnapshot: 3 } as const;
export type DomainEventDefinedDetailType =
  (typeof DomainEventDefinedDetailType)[keyof typeof DomainEventDefinedDetailType];

/**
 * `virDomainEventUndefinedDetailType`: `detail` of a `DomainEventType.Undefined` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventUndefinedDetailType
 */
export const DomainEventUndefinedDetailType = { Removed: 0, Renamed: 1 } as const;
export type DomainEventUndefinedDetailType =
  (typeof DomainEventUndefinedDetailType)[keyof typeof DomainEventUndefinedDetailType];

/**
 * `virDomainEventStartedDetailType`: `detail` of a `DomainEventType.Started` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventStartedDetailType
 */
export const DomainEventStartedDetailType = {
  Booted: 0,
  Migrated: 1,
  Restored: 2,
  FromSnapshot: 3,
  Wakeup: 4,
} as const;
export type DomainEventStartedDetailType =
  (typeof DomainEventStartedDetailType)[keyof typeof DomainEventStartedDetailType];

/**
 * `virDomainEventSuspendedDetailType`: `detail` of a `DomainEventType.Suspended` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventSuspendedDetailType
 */
export const DomainEventSuspendedDetailType = {
  Paused: 0,
  Migrated: 1,
  IoError: 2,
  Watchdog: 3,
  Restored: 4,
  FromSnapshot: 5,
  ApiError: 6,
  Postcopy: 7,
  PostcopyFailed: 8,
} as const;
export type DomainEventSuspendedDetailType =
  (typeof DomainEventSuspendedDetailType)[keyof typeof DomainEventSuspendedDetailType];

/**
 * `virDomainEventResumedDetailType`: `detail` of a `DomainEventType.Resumed` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventResumedDetailType
 */
export const DomainEventResumedDetailType = {
  Unpaused: 0,
  Migrated: 1,
  FromSnapshot: 2,
  Postcopy: 3,
  PostcopyFailed: 4,
} as const;
export type DomainEventResumedDetailType =
  (typeof DomainEventResumedDetailType)[keyof typeof DomainEventResumedDetailType];

/**
 * `virDomainEventStoppedDetailType`: `detail` of a `DomainEventType.Stopped` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventStoppedDetailType
 */
export const DomainEventStoppedDetailType = {
  Shutdown: 0,
  Destroyed: 1,
  Crashed: 2,
  Migrated: 3,
  Saved: 4,
  Failed: 5,
  FromSnapshot: 6,
} as const;
export type DomainEventStoppedDetailType =
  (typeof DomainEventStoppedDetailType)[keyof typeof DomainEventStoppedDetailType];

/**
 * `virDomainEventShutdownDetailType`: `detail` of a `DomainEventType.Shutdown` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventShutdownDetailType
 */
export const DomainEventShutdownDetailType = { Finished: 0, Guest: 1, Host: 2 } as const;
export type DomainEventShutdownDetailType =
  (typeof DomainEventShutdownDetailType)[keyof typeof DomainEventShutdownDetailType];

/**
 * `virDomainEventPMSuspendedDetailType`: `detail` of a `DomainEventType.PmSuspended` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventPMSuspendedDetailType
 */
export const DomainEventPmSuspendedDetailType = { Memory: 0, Disk: 1 } as const;
export type DomainEventPmSuspendedDetailType =
  (typeof DomainEventPmSuspendedDetailType)[keyof typeof DomainEventPmSuspendedDetailType];

/**
 * `virDomainEventCrashedDetailType`: `detail` of a `DomainEventType.Crashed` lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventCrashedDetailType
 */
export const DomainEventCrashedDetailType = { Panicked: 0, CrashLoaded: 1 } as const;
export type DomainEventCrashedDetailType =
  (typeof DomainEventCrashedDetailType)[keyof typeof DomainEventCrashedDetailType];

/**
 * `virDomainEventWatchdogAction`: `action` of a watchdog event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventWatchdogAction
 */
export const DomainEventWatchdogAction = {
  None: 0,
  Pause: 1,
  Reset: 2,
  PowerOff: 3,
  Shutdown: 4,
  Debug: 5,
  InjectNmi: 6,
} as const;
export type DomainEventWatchdogAction =
  (typeof DomainEventWatchdogAction)[keyof typeof DomainEventWatchdogAction];

/**
 * `virDomainEventIOErrorAction`: `action` of the I/O error events.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventIOErrorAction
 */
export const DomainEventIoErrorAction = { None: 0, Pause: 1, Report: 2 } as const;
export type DomainEventIoErrorAction =
  (typeof DomainEventIoErrorAction)[keyof typeof DomainEventIoErrorAction];

/**
 * `virDomainEventGraphicsPhase`: `phase` of a graphics event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventGraphicsPhase
 */
export const DomainEventGraphicsPhase = { Connect: 0, Initialize: 1, Disconnect: 2 } as const;
export type DomainEventGraphicsPhase =
  (typeof DomainEventGraphicsPhase)[keyof typeof DomainEventGraphicsPhase];

/**
 * `virDomainEventGraphicsAddressType`: `family` of the addresses in a graphics event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventGraphicsAddressType
 */
export const DomainEventGraphicsAddressType = { Ipv4: 0, Ipv6: 1, Unix: 2 } as const;
export type DomainEventGraphicsAddressType =
  (typeof DomainEventGraphicsAddressType)[keyof typeof DomainEventGraphicsAddressType];

/**
 * `virDomainBlockJobType`: `type` of the block job events.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainBlockJobType
 */
export const DomainBlockJobType = {
  Unknown: 0,
  Pull: 1,
  Copy: 2,
  Commit: 3,
  ActiveCommit: 4,
  Backup: 5,
} as const;
export type DomainBlockJobType = (typeof DomainBlockJobType)[keyof typeof DomainBlockJobType];

/**
 * `virConnectDomainEventBlockJobStatus`: `status` of the block job events.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventBlockJobStatus
 */
export const DomainBlockJobStatus = { Completed: 0, Failed: 1, Canceled: 2, Ready: 3 } as const;
export type DomainBlockJobStatus = (typeof DomainBlockJobStatus)[keyof typeof DomainBlockJobStatus];

/**
 * `virConnectDomainEventDiskChangeReason`: `reason` of a disk change event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventDiskChangeReason
 */
export const DomainEventDiskChangeReason = { ChangeMissingOnStart: 0, DropMissingOnStart: 1 } as const;
export type DomainEventDiskChangeReason =
  (typeof DomainEventDiskChangeReason)[keyof typeof DomainEventDiskChangeReason];

/**
 * `virDomainEventTrayChangeReason`: `reason` of a tray change event (removable media tray opened or closed).
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainEventTrayChangeReason
 */
export const DomainEventTrayChangeReason = { Open: 0, Close: 1 } as const;
export type DomainEventTrayChangeReason =
  (typeof DomainEventTrayChangeReason)[keyof typeof DomainEventTrayChangeReason];

/**
 * `virConnectDomainEventAgentLifecycleState`: `state` of a guest agent lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventAgentLifecycleState
 */
export const DomainEventAgentLifecycleState = { Connected: 1, Disconnected: 2 } as const;
export type DomainEventAgentLifecycleState =
  (typeof DomainEventAgentLifecycleState)[keyof typeof DomainEventAgentLifecycleState];

/**
 * `virConnectDomainEventAgentLifecycleReason`: `reason` of a guest agent lifecycle event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventAgentLifecycleReason
 */
export const DomainEventAgentLifecycleReason = { Unknown: 0, DomainStarted: 1, Channel: 2 } as const;
export type DomainEventAgentLifecycleReason =
  (typeof DomainEventAgentLifecycleReason)[keyof typeof DomainEventAgentLifecycleReason];

/**
 * `virDomainMemoryFailureRecipientType`: `recipient` of a memory failure event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMemoryFailureRecipientType
 */
export const DomainMemoryFailureRecipientType = { Hypervisor: 0, Guest: 1 } as const;
export type DomainMemoryFailureRecipientType =
  (typeof DomainMemoryFailureRecipientType)[keyof typeof DomainMemoryFailureRecipientType];

/**
 * `virDomainMemoryFailureActionType`: `action` of a memory failure event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMemoryFailureActionType
 */
export const DomainMemoryFailureActionType = { Ignore: 0, Inject: 1, Fatal: 2, Reset: 3 } as const;
export type DomainMemoryFailureActionType =
  (typeof DomainMemoryFailureActionType)[keyof typeof DomainMemoryFailureActionType];

/**
 * `virDomainMemoryFailureFlags`: `flags` of a memory failure event.
 *
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virDomainMemoryFailureFlags
 */
export const DomainMemoryFailureFlags = { ActionRequired: 1, Recursive: 2 } as const;
export type DomainMemoryFailureFlags =
  (typeof DomainMemoryFailureFlags)[keyof typeof DomainMemoryFailureFlags];

/**
 * The detail enum of each lifecycle event type, for turning a lifecycle event's `(event, detail)` pair into names.
 *
 * @example
 * ```ts
 * const details = DomainEventDetailType[msg.event as DomainEventType];
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventCallback
 */
export const DomainEventDetailType = {
  [DomainEventType.Defined]: DomainEventDefinedDetailType,
  [DomainEventType.Undefined]: DomainEventUndefinedDetailType,
  [DomainEventType.Started]: DomainEventStartedDetailType,
  [DomainEventType.Suspended]: DomainEventSuspendedDetailType,
  [DomainEventType.Resumed]: DomainEventResumedDetailType,
  [DomainEventType.Stopped]: DomainEventStoppedDetailType,
  [DomainEventType.Shutdown]: DomainEventShutdownDetailType,
  [DomainEventType.PmSuspended]: DomainEventPmSuspendedDetailType,
  [DomainEventType.Crashed]: DomainEventCrashedDetailType,
} as const;
