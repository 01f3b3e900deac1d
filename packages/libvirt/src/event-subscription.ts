import { LibvirtConnectionError } from './errors.js';

/**
 * Options of {@link EventSubscription.nextEvent} and {@link EventSubscription.waitFor}.
 *
 * @example
 * ```ts
 * await events.nextEvent({ timeoutMs: 5000, signal });
 * ```
 */
export interface WaitOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
}

interface Reader<T> {
  resolve(event: T): void;
  reject(err: Error): void;
}

/**
 * A live subscription to one kind of libvirt event. It is an `AsyncIterable` of event bodies (the daemon's
 * callback id removed) and also offers listeners, so both styles work:
 *
 * - events are queued without bound from the moment the subscription exists, so events caused by a call made
 *   after `subscribe()` resolved are never lost, even when they arrive before that call's reply;
 * - while only `on()` listeners are attached (no iterator, no pending `nextEvent()`), events go to the listeners
 *   and are not queued;
 * - the subscription survives reconnects (the client registers it again and maps the new callback id);
 * - `close()` deregisters it; iterators then finish after draining the queue. Leaving a `for await` loop early
 *   ends that iterator only, not the subscription.
 *
 * @example
 * ```ts
 * const events = await client.subscribe('domainLifecycle');
 * events.on((e) => console.log(e.dom.name, e.event, e.detail));
 * // or
 * for await (const e of events) if (e.event === DomainEventType.Stopped) break;
 * await events.close();
 * ```
 * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventRegisterAny
 */
export class EventSubscription<T> implements AsyncIterable<T> {
  private readonly queue: T[] = [];
  private readonly readers: Reader<T>[] = [];
  private readonly listeners = new Set<(event: T) => void>();
  private iterators = 0;
  private ended: { error: Error | undefined } | undefined;

  /** @internal Created by `LibvirtClient.subscribe`. */
  constructor(
    /** The event name, e.g. `domainLifecycle`. */
    readonly name: string,
    private readonly onClose: () => Promise<void>,
  ) {}

  /** True once closed (by `close()`, the client closing, or a fatal error). */
  get closed(): boolean {
    return this.ended !== undefined;
  }

  /** Events queued and not yet consumed. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Calls `listener` for every event from now on; returns a function that removes it. A throwing listener does
   * not affect other listeners or the connection (the error becomes a process warning).
   *
   * @example
   * ```ts
   * const off = events.on((e) => log.info(e));
   * off();
   * ```
   */
  on(listener: (event: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Removes a listener added with {@link EventSubscription.on}.
   *
   * @example
   * ```ts
   * events.off(listener);
   * ```
   */
  off(listener: (event: T) => void): void {
    this.listeners.delete(listener);
  }

  /**
   * Takes the next queued event, waiting for one if needed. Rejects with reason `timeout`/`aborted`, or `closed`
   * when the subscription ends first.
   *
   * @example
   * ```ts
   * const first = await events.nextEvent({ timeoutMs: 5000 });
   * ```
   */
  nextEvent(options: WaitOptions = {}): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended) return Promise.reject(this.endError());
    return new Promise<T>((resolve, reject) => {
      const { signal, timeoutMs } = options;
      let timer: NodeJS.Timeout | undefined;
      const reader: Reader<T> = {
        resolve: (e) => {
          cleanup();
          resolve(e);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const giveUp = (err: Error): void => {
        const idx = this.readers.indexOf(reader);
        if (idx >= 0) this.readers.splice(idx, 1);
        reader.reject(err);
      };
      const onAbort = (): void => {
        giveUp(
          new LibvirtConnectionError('aborted', `waiting for ${this.name} was aborted`, {
            cause: signal?.reason,
          }),
        );
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          giveUp(new LibvirtConnectionError('timeout', `no ${this.name} event within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.readers.push(reader);
    });
  }

  /**
   * Consumes events until one matches `predicate`, and returns it (non-matching events are discarded).
   *
   * @example
   * ```ts
   * const stopped = await events.waitFor((e) => e.dom.uuid === uuid && e.event === 5, { timeoutMs: 30_000 });
   * ```
   */
  async waitFor(predicate: (event: T) => boolean, options: WaitOptions = {}): Promise<T> {
    const deadline = options.timeoutMs === undefined ? undefined : Date.now() + options.timeoutMs;
    for (;;) {
      const timeoutMs = deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
      const event = await this.nextEvent({
        ...(options.signal ? { signal: options.signal } : {}),
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      });
      if (predicate(event)) return event;
    }
  }

  /**
   * Ends the subscription and deregisters it from the daemon. Queued events can still be iterated. Idempotent.
   *
   * @example
   * ```ts
   * await events.close();
   * ```
   * @see https://libvirt.org/html/libvirt-libvirt-domain.html#virConnectDomainEventDeregisterAny
   */
  async close(): Promise<void> {
    if (this.ended) return;
    this.end();
    await this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    this.iterators++;
    let done = false;
    const finish = (): IteratorReturnResult<undefined> => {
      if (!done) {
        done = true;
        this.iterators--;
      }
      return { done: true, value: undefined };
    };
    return {
      next: async (): Promise<IteratorResult<T>> => {
        if (done) return { done: true, value: undefined };
        try {
          return { done: false, value: await this.nextEvent() };
        } catch (err: unknown) {
          finish();
          if (this.ended && this.ended.error === undefined) return { done: true, value: undefined };
          throw err;
        }
      },
      return: () => Promise.resolve(finish()),
    };
  }

  /** @internal Hands an event to listeners and readers. */
  deliver(event: T): void {
    if (this.ended) return;
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err: unknown) {
        process.emitWarning(
          `a ${this.name} event listener threw: ${err instanceof Error ? err.message : String(err)}`,
          {
            type: 'LibvirtEventListenerWarning',
          },
        );
      }
    }
    const reader = this.readers.shift();
    if (reader) reader.resolve(event);
    else if (this.listeners.size === 0 || this.iterators > 0) this.queue.push(event);
  }

  /** @internal Ends the subscription without deregistering (the client closed or the registration is gone). */
  end(error?: Error): void {
    if (this.ended) return;
    this.ended = { error };
    this.listeners.clear();
    const err = this.endError();
    for (const r of this.readers.splice(0)) r.reject(err);
  }

  private endError(): Error {
    return (
      this.ended?.error ?? new LibvirtConnectionError('closed', `the ${this.name} subscription is closed`)
    );
  }
}
