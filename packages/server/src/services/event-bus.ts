import type { EventRecord } from '../domain/model.js';
import type { Clock } from '../ports/clock.js';
import type { EventPublisher, EventSource, NewEvent } from '../ports/events.js';
import type { EventLog } from '../ports/repositories.js';

/**
 * Appends every event to the persisted log, then hands it to live subscribers. Appends are serialized so ids and
 * delivery order agree: a subscriber never sees event 8 before event 7.
 */
export class EventBus implements EventPublisher, EventSource {
  private readonly listeners = new Set<(event: EventRecord) => void>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: EventLog,
    private readonly clock: Clock,
    private readonly onListenerError: (err: unknown) => void = () => undefined,
  ) {}

  publish(event: NewEvent): Promise<EventRecord> {
    const run = async (): Promise<EventRecord> => {
      const stored = await this.log.append({ ...event, time: event.time ?? this.clock.now().toISOString() });
      for (const listener of this.listeners) {
        try {
          listener(stored);
        } catch (err: unknown) {
          this.onListenerError(err);
        }
      }
      return stored;
    };
    const result = this.tail.then(run, run);
    this.tail = result.catch(() => undefined);
    return result;
  }

  subscribe(listener: (event: EventRecord) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
