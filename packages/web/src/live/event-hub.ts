import type { EventSubscription, EventsState, GureumClient } from '@gureum/client';
import type { EventEnvelope } from '@gureum/contract';

/** How many recent events the hub keeps for queries that were fetching while they arrived. */
const BUFFER_SIZE = 10_000;

export interface HubState {
  readonly state: EventsState;
  /** Reconnection attempts since the last `ready`. */
  readonly attempt: number;
  /** The subscription ended for good (bad token…): why. */
  readonly error?: Error;
}

/**
 * One events WebSocket per session, shared by every page. It keeps the recent events so that a list fetched while
 * events kept coming can replay the ones that arrived during its fetch (`mark()` before, `since(mark)` after),
 * and the client's subscription resumes with `since=` after a drop.
 */
export class EventHub {
  private subscription: EventSubscription | undefined;
  private readonly buffer: EventEnvelope[] = [];
  /** How many events were received in all (the mark of the next one). */
  private received = 0;
  private snapshot: HubState = { state: 'connecting', attempt: 0 };
  private readonly eventListeners = new Set<(event: EventEnvelope) => void>();
  private readonly stateListeners = new Set<() => void>();
  private readonly openWaiters = new Set<() => void>();

  constructor(private readonly client: Pick<GureumClient, 'events'>) {}

  start(): void {
    if (this.subscription) return;
    this.subscription = this.client.events({
      topics: ['vm', 'task', 'image'],
      onEvent: (event) => {
        this.buffer.push(event);
        if (this.buffer.length > BUFFER_SIZE) this.buffer.splice(0, this.buffer.length - BUFFER_SIZE);
        this.received += 1;
        for (const listener of this.eventListeners) listener(event);
      },
      onState: (state, info) => {
        this.snapshot = { state, attempt: info.attempt, ...(info.error ? { error: info.error } : {}) };
        if (state === 'open' || state === 'closed') this.releaseWaiters();
        for (const listener of this.stateListeners) listener();
      },
      onError: () => undefined, // reported through the `closed` state
    });
  }

  stop(): void {
    this.subscription?.close();
    this.subscription = undefined;
    this.releaseWaiters();
  }

  get state(): HubState {
    return this.snapshot;
  }

  /** A position in the stream of received events. */
  mark(): number {
    return this.received;
  }

  /** The events received after `mark` (all that are still buffered). */
  since(mark: number): EventEnvelope[] {
    const count = this.received - mark;
    if (count <= 0) return [];
    return this.buffer.slice(Math.max(0, this.buffer.length - count));
  }

  /**
   * Resolves once the socket is open (or closed for good, or after `timeoutMs`): lists fetched after this miss
   * nothing, since every later change arrives as an event.
   */
  whenOpen(timeoutMs = 3000): Promise<void> {
    if (this.snapshot.state === 'open' || this.snapshot.state === 'closed' || !this.subscription) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.openWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.openWaiters.add(done);
    });
  }

  onEvent(listener: (event: EventEnvelope) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  private releaseWaiters(): void {
    for (const waiter of [...this.openWaiters]) waiter();
  }
}
