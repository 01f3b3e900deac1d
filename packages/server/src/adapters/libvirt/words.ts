/**
 * libvirt's numeric enums turned into Gureum's words: VM states, state reasons and event details. The words are
 * derived from the enum keys of `@gureum/libvirt` (`FromSnapshot` → `from_snapshot`), so a value libvirt adds later
 * reads as `unknown` instead of breaking anything.
 */
import {
  DomainBlockJobStatus,
  DomainBlockJobType,
  DomainBlockedReason,
  DomainCrashedReason,
  DomainEventDetailType,
  DomainEventType,
  DomainNoStateReason,
  DomainPausedReason,
  DomainPmSuspendedReason,
  DomainRunningReason,
  DomainShutdownReason,
  DomainShutoffReason,
  DomainState,
} from '@gureum/libvirt';
import type { VmState } from '../../domain/model.js';
import type { LifecycleCause } from '../../ports/hypervisor.js';

/** `FromSnapshot` → `from_snapshot`, `IoError` → `io_error`. */
export function snakeWord(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** value → word of one `as const` enum object. */
function wordsOf(enumObject: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  const words = new Map<number, string>();
  for (const [key, value] of Object.entries(enumObject)) {
    // Some enums alias a value under two names (e.g. Roots/Descendants); the first name wins.
    if (!words.has(value)) words.set(value, snakeWord(key));
  }
  return words;
}

function wordIn(words: ReadonlyMap<number, string> | undefined, value: number): string {
  return words?.get(value) ?? 'unknown';
}

// ---- VM state ---------------------------------------------------------------------------------------------

const STATE: ReadonlyMap<number, VmState> = new Map<number, VmState>([
  [DomainState.NoState, 'unknown'],
  [DomainState.Running, 'running'],
  // Blocked on a resource, or in the middle of an ACPI shutdown: the guest still runs.
  [DomainState.Blocked, 'running'],
  [DomainState.Shutdown, 'running'],
  [DomainState.Paused, 'paused'],
  [DomainState.Shutoff, 'stopped'],
  [DomainState.Crashed, 'crashed'],
  [DomainState.PmSuspended, 'suspended'],
]);

const REASONS: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map([
  [DomainState.NoState, wordsOf(DomainNoStateReason)],
  [DomainState.Running, wordsOf(DomainRunningReason)],
  [DomainState.Blocked, wordsOf(DomainBlockedReason)],
  [DomainState.Paused, wordsOf(DomainPausedReason)],
  [DomainState.Shutdown, wordsOf(DomainShutdownReason)],
  [DomainState.Shutoff, wordsOf(DomainShutoffReason)],
  [DomainState.Crashed, wordsOf(DomainCrashedReason)],
  [DomainState.PmSuspended, wordsOf(DomainPmSuspendedReason)],
]);

/** The VM state of a `virDomainState` value. */
export function vmStateOf(state: number): VmState {
  return STATE.get(state) ?? 'unknown';
}

/** The reason of a `(state, reason)` pair as a word (`booted`, `destroyed`, `user`, …). */
export function stateReasonWord(state: number, reason: number): string {
  return wordIn(REASONS.get(state), reason);
}

// ---- lifecycle events -------------------------------------------------------------------------------------

interface LifecycleMeaning {
  readonly cause: LifecycleCause;
  /** The state the event leaves the VM in; null when it does not settle one (defined, shutdown begun, …). */
  readonly state: VmState | null;
}

const LIFECYCLE: ReadonlyMap<number, LifecycleMeaning> = new Map<number, LifecycleMeaning>([
  [DomainEventType.Defined, { cause: 'defined', state: null }],
  [DomainEventType.Undefined, { cause: 'undefined', state: null }],
  [DomainEventType.Started, { cause: 'started', state: 'running' }],
  [DomainEventType.Suspended, { cause: 'suspended', state: 'paused' }],
  [DomainEventType.Resumed, { cause: 'resumed', state: 'running' }],
  [DomainEventType.Stopped, { cause: 'stopped', state: 'stopped' }],
  [DomainEventType.Shutdown, { cause: 'shutdown', state: null }],
  [DomainEventType.PmSuspended, { cause: 'pmsuspended', state: 'suspended' }],
  [DomainEventType.Crashed, { cause: 'crashed', state: 'crashed' }],
]);

const DETAILS: ReadonlyMap<number, ReadonlyMap<number, string>> = new Map(
  Object.entries(DomainEventDetailType).map(([event, details]): [number, ReadonlyMap<number, string>] => [
    Number(event),
    wordsOf(details),
  ]),
);

/** Cause, detail word and resulting state of a lifecycle `(event, detail)` pair; undefined for an unknown event. */
export function lifecycleMeaning(
  event: number,
  detail: number,
): { cause: LifecycleCause; detail: string; state: VmState | null } | undefined {
  const meaning = LIFECYCLE.get(event);
  if (!meaning) return undefined;
  return { cause: meaning.cause, detail: wordIn(DETAILS.get(event), detail), state: meaning.state };
}

// ---- block jobs -------------------------------------------------------------------------------------------

const BLOCK_JOB_TYPES = wordsOf(DomainBlockJobType);
const BLOCK_JOB_STATUSES = wordsOf(DomainBlockJobStatus);

/** `pull`, `copy`, `commit`, `active_commit`, `backup` (or `unknown`). */
export function blockJobTypeWord(type: number): string {
  return wordIn(BLOCK_JOB_TYPES, type);
}

/** `completed`, `failed`, `canceled`, `ready` (or `unknown`). */
export function blockJobStatusWord(status: number): string {
  return wordIn(BLOCK_JOB_STATUSES, status);
}
