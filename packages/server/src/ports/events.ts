import type { EventRecord } from '../domain/model.js';

export type NewEvent = Omit<EventRecord, 'id' | 'time'> & { time?: string };

/**
 * Publishes a domain event: appends it to the persisted event log (assigning its id) and then pushes it to live
 * subscribers (the WebSocket hub), in that order, so a client that replays with `since` never misses one.
 */
export interface EventPublisher {
  publish(event: NewEvent): Promise<EventRecord>;
}

/** Live subscription to published events (the WebSocket hub uses it). */
export interface EventSource {
  subscribe(listener: (event: EventRecord) => void): () => void;
}
