/**
 * libvirt domain events in Gureum's vocabulary (`HypervisorEvent`): which events the adapter subscribes to, how
 * each body translates, and the de-duplication of the double REBOOT a reset produces.
 */
import { DomainEventTrayChangeReason, type EventBody } from '@gureum/libvirt';
import type { HypervisorEvent } from '../../ports/hypervisor.js';
import { blockJobStatusWord, blockJobTypeWord, lifecycleMeaning } from './words.js';

/** The domain events the adapter subscribes to (all domains: `dom` filter null). */
export const SUBSCRIBED_EVENTS = [
  'domainLifecycle',
  'domainReboot',
  'domainTrayChange',
  'domainDiskChange',
  'domainDeviceRemoved',
  'domainBlockJob2',
] as const;
export type SubscribedEvent = (typeof SUBSCRIBED_EVENTS)[number];

type Translator<K extends SubscribedEvent> = (body: EventBody<K>) => HypervisorEvent | undefined;

const vmOf = (dom: { uuid: string; name: string }): { vmId: string; name: string } => ({
  vmId: dom.uuid,
  name: dom.name,
});

/** One translator per subscribed event. */
export const EVENT_TRANSLATORS: { readonly [K in SubscribedEvent]: Translator<K> } = {
  domainLifecycle: (body) => {
    const meaning = lifecycleMeaning(body.event, body.detail);
    return meaning ? { kind: 'lifecycle', ...vmOf(body.dom), ...meaning } : undefined;
  },
  domainReboot: (body) => ({ kind: 'reboot', ...vmOf(body.dom) }),
  domainTrayChange: (body) => ({
    kind: 'tray-change',
    ...vmOf(body.dom),
    device: body.devAlias,
    open: body.reason === DomainEventTrayChangeReason.Open,
  }),
  domainDiskChange: (body) => ({
    kind: 'disk-change',
    ...vmOf(body.dom),
    device: body.devAlias,
    oldSource: body.oldSrcPath,
    newSource: body.newSrcPath,
  }),
  domainDeviceRemoved: (body) => ({ kind: 'device-removed', ...vmOf(body.dom), device: body.devAlias }),
  domainBlockJob2: (body) => ({
    kind: 'block-job',
    ...vmOf(body.dom),
    disk: body.dst,
    type: blockJobTypeWord(body.type),
    status: blockJobStatusWord(body.status),
  }),
};

/** Translates one event body; undefined when it means nothing to Gureum (e.g. an unknown lifecycle event type). */
export function translateEvent<K extends SubscribedEvent>(
  name: K,
  body: EventBody<K>,
): HypervisorEvent | undefined {
  const translate: Translator<K> = EVENT_TRANSLATORS[name];
  return translate(body);
}

/**
 * One reset makes libvirtd report two REBOOT events for the same domain (facts §6.3): QEMU's reset, then the reset
 * SeaBIOS itself performs as it starts again, 25 ms later on an idle TCG host. That gap grows with a slow or busy
 * host, so the default window is 200 ms; a real second reboot takes seconds (firmware, kernel).
 */
export const DEFAULT_REBOOT_DEDUPE_MS = 200;

/** A REBOOT of the same VM within `windowMs` of the previous one is dropped. */
export class RebootDeduper {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** True when this reboot of `vmId` should be delivered. */
  admit(vmId: string): boolean {
    const at = this.now();
    const previous = this.last.get(vmId);
    this.last.set(vmId, at);
    this.prune(at);
    return previous === undefined || at - previous > this.windowMs;
  }

  private prune(at: number): void {
    if (this.last.size < 1024) return;
    for (const [id, t] of this.last) if (at - t > this.windowMs) this.last.delete(id);
  }
}
