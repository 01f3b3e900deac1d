import type { EventEnvelope, Vm } from '@gureum/contract';

/**
 * The VM list as the screen shows it, kept current by events. Pure: every function returns a new collection
 * (or the same one when nothing changed, so React skips the render) and never mutates its input.
 *
 * Events may arrive twice (a replay after a reconnection overlapping what was already applied, or a buffered event
 * applied again on top of a fresh snapshot) or out of order. Per VM the collection remembers the id of the last
 * event applied and ignores anything not newer, and it remembers deleted VMs, so an old `vm.started` replayed
 * after `vm.deleted` never brings a VM back.
 */
export interface VmCollection {
  readonly byId: ReadonlyMap<string, Vm>;
  /** Per VM id: the id of the last event applied to it. */
  readonly applied: ReadonlyMap<string, number>;
  /** Per deleted VM id: the id of the `vm.deleted` event. */
  readonly deleted: ReadonlyMap<string, number>;
}

export type VmEvent = Extract<EventEnvelope, { type: `vm.${string}` }>;

/** True for the events that change VMs. */
export function isVmEvent(event: EventEnvelope): event is VmEvent {
  return event.resource.kind === 'vm' && event.type.startsWith('vm.');
}

/** A collection from a list fetched from `GET /vms` (no event applied yet). */
export function collectionFromList(vms: readonly Vm[]): VmCollection {
  return { byId: new Map(vms.map((vm) => [vm.id, vm])), applied: new Map(), deleted: new Map() };
}

/**
 * The VM after `event`, or `null` when the event deletes it. Events that carry the whole VM replace it; the
 * lifecycle events change its state; media and installation events change those parts.
 */
export function applyEventToVm(vm: Vm, event: VmEvent): Vm | null {
  switch (event.type) {
    case 'vm.created':
    case 'vm.updated':
      return event.data.vm;
    case 'vm.deleted':
      return null;
    case 'vm.media-changed':
      return { ...vm, media: event.data.media };
    case 'vm.installation-changed':
      return { ...vm, installation: event.data.installation };
    case 'vm.started':
    case 'vm.stopped':
    case 'vm.paused':
    case 'vm.resumed':
    case 'vm.crashed':
    case 'vm.suspended':
      return vm.state === event.data.state ? vm : { ...vm, state: event.data.state };
  }
}

interface Draft {
  byId: Map<string, Vm>;
  applied: Map<string, number>;
  deleted: Map<string, number>;
}

type Outcome = 'ignored' | 'recorded' | 'changed';

/** Applies one event to a mutable draft: ignored (duplicate or stale), recorded (watermark only) or changed. */
function applyToDraft(draft: Draft, event: VmEvent): Outcome {
  const id = event.resource.id;
  const last = draft.applied.get(id);
  if (last !== undefined && event.id <= last) return 'ignored'; // a duplicate, or older than what we show
  const deletedAt = draft.deleted.get(id);
  if (deletedAt !== undefined && event.id <= deletedAt) return 'ignored'; // from before the VM was deleted
  draft.applied.set(id, event.id);
  const current = draft.byId.get(id);
  if (event.type === 'vm.deleted') {
    draft.deleted.set(id, event.id);
    return draft.byId.delete(id) ? 'changed' : 'recorded';
  }
  if (event.type === 'vm.created' || event.type === 'vm.updated') {
    draft.deleted.delete(id);
    draft.byId.set(id, event.data.vm);
    return 'changed';
  }
  // A lifecycle, media or installation event about a VM we do not have (its `vm.created` is still on its way, or
  // it is not ours to see): nothing to show.
  if (!current) return 'recorded';
  const next = applyEventToVm(current, event);
  if (next === null || next === current) return 'recorded';
  draft.byId.set(id, next);
  return 'changed';
}

/**
 * Applies events in the order given (callers pass them in id order). Returns `collection` itself when every event
 * was a duplicate or stale, and keeps `byId`'s identity when only the bookkeeping moved, so the list re-renders
 * only when what it shows changed.
 */
export function applyVmEvents(collection: VmCollection, events: readonly EventEnvelope[]): VmCollection {
  const vmEvents = events.filter(isVmEvent);
  if (vmEvents.length === 0) return collection;
  const draft: Draft = {
    byId: new Map(collection.byId),
    applied: new Map(collection.applied),
    deleted: new Map(collection.deleted),
  };
  let changed = false;
  let recorded = false;
  for (const event of vmEvents) {
    const outcome = applyToDraft(draft, event);
    if (outcome === 'changed') changed = true;
    if (outcome !== 'ignored') recorded = true;
  }
  if (changed) return draft;
  if (!recorded) return collection;
  return { byId: collection.byId, applied: draft.applied, deleted: draft.deleted };
}

/** Applies one event. */
export function applyVmEvent(collection: VmCollection, event: EventEnvelope): VmCollection {
  return applyVmEvents(collection, [event]);
}
