/**
 * The adapter's libvirt connection: connects (and keeps retrying in the background when libvirtd is down at
 * start-up), keeps the domain event subscriptions in place across reconnects, reports `up`/`down`, and pumps
 * translated events to listeners.
 */
import {
  LibvirtClient,
  LibvirtConnectionError,
  type ConnectionState,
  type EventBody,
  type EventSubscription,
} from '@gureum/libvirt';
import { UnavailableError } from '../../domain/errors.js';
import type { HypervisorEvent, HypervisorStatus, Unsubscribe } from '../../ports/hypervisor.js';
import { translateError } from './errors.js';
import {
  DEFAULT_REBOOT_DEDUPE_MS,
  RebootDeduper,
  SUBSCRIBED_EVENTS,
  translateEvent,
  type SubscribedEvent,
} from './events.js';

/** The slice of a pino logger the adapter uses (Fastify's logger satisfies it). */
export interface AdapterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SessionOptions {
  readonly uri: string;
  readonly logger: AdapterLogger;
  /** Limit of one connection attempt (ms, default 10 000). */
  readonly connectTimeoutMs?: number | undefined;
  /** Default timeout of every libvirt call (ms, default 120 000); a hung daemon then yields LIBVIRT_UNAVAILABLE. */
  readonly callTimeoutMs?: number | undefined;
  /** First and longest delay between connection attempts (ms, defaults 100 and 5000). */
  readonly reconnectInitialDelayMs?: number | undefined;
  readonly reconnectMaxDelayMs?: number | undefined;
  /** Window in which a second REBOOT of the same VM is the same reset (ms, default 200; see RebootDeduper). */
  readonly rebootDedupeMs?: number | undefined;
}

interface Subscription {
  readonly closed: boolean;
  close(): Promise<void>;
}

/** A connection attempt that failed because libvirtd is not there (yet): worth retrying. */
function isRetryable(err: unknown): boolean {
  return (
    err instanceof LibvirtConnectionError &&
    (err.reason === 'unreachable' || err.reason === 'timeout' || err.reason === 'closed')
  );
}

/** Read through a call so that narrowing from an earlier check does not stick across awaits. */
function isConnected(client: LibvirtClient): boolean {
  return client.state === 'connected';
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

export class LibvirtSession {
  private client: LibvirtClient | undefined;
  private currentStatus: HypervisorStatus = 'down';
  private readonly subscriptions = new Map<SubscribedEvent, Subscription>();
  private readonly statusListeners = new Set<(status: HypervisorStatus) => void>();
  private readonly eventListeners = new Set<(event: HypervisorEvent) => void>();
  private readonly lifetime = new AbortController();
  private readonly reboots: RebootDeduper;
  private syncing: Promise<void> = Promise.resolve();

  private constructor(private readonly options: SessionOptions) {
    this.reboots = new RebootDeduper(options.rebootDedupeMs ?? DEFAULT_REBOOT_DEDUPE_MS);
  }

  /**
   * Connects and subscribes. When libvirtd cannot be reached the session still opens, `down`, and keeps trying in
   * the background; any other failure (a bad URI, authentication refused) rejects.
   */
  static async open(options: SessionOptions): Promise<LibvirtSession> {
    const session = new LibvirtSession(options);
    try {
      await session.adopt(await session.connectOnce());
    } catch (err: unknown) {
      if (!isRetryable(err)) throw translateError(err, { operation: 'connect' });
      options.logger.warn({ err, uri: options.uri }, 'libvirt is not reachable; retrying in the background');
      void session.connectInBackground();
    }
    return session;
  }

  get status(): HypervisorStatus {
    return this.currentStatus;
  }

  /** The client for a call; LIBVIRT_UNAVAILABLE while there is none. */
  requireClient(): LibvirtClient {
    if (!this.client) throw new UnavailableError('LIBVIRT_UNAVAILABLE', 'libvirt cannot be reached.');
    return this.client;
  }

  onStatus(listener: (status: HypervisorStatus) => void): Unsubscribe {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onEvent(listener: (event: HypervisorEvent) => void): Unsubscribe {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Stops reconnecting, ends the subscriptions and closes the connection. */
  async close(): Promise<void> {
    this.lifetime.abort();
    const client = this.client;
    this.client = undefined;
    this.subscriptions.clear();
    this.setStatus('down');
    await client?.close();
  }

  private connectOnce(): Promise<LibvirtClient> {
    const o = this.options;
    return LibvirtClient.connect(o.uri, {
      autoReconnect: true,
      signal: this.lifetime.signal,
      callTimeoutMs: o.callTimeoutMs ?? 120_000,
      ...(o.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: o.connectTimeoutMs }),
      ...(o.reconnectInitialDelayMs === undefined
        ? {}
        : { reconnectInitialDelayMs: o.reconnectInitialDelayMs }),
      ...(o.reconnectMaxDelayMs === undefined ? {} : { reconnectMaxDelayMs: o.reconnectMaxDelayMs }),
    });
  }

  private async connectInBackground(): Promise<void> {
    const initial = this.options.reconnectInitialDelayMs ?? 100;
    const max = this.options.reconnectMaxDelayMs ?? 5000;
    for (let attempt = 0; !this.isClosed(); attempt++) {
      await sleep(Math.min(max, initial * 2 ** Math.min(attempt, 20)), this.lifetime.signal);
      if (this.isClosed()) return;
      try {
        await this.adopt(await this.connectOnce());
        return;
      } catch (err: unknown) {
        if (attempt % 10 === 0)
          this.options.logger.warn({ err, uri: this.options.uri, attempt }, 'libvirt still not reachable');
      }
    }
  }

  private isClosed(): boolean {
    return this.lifetime.signal.aborted;
  }

  private async adopt(client: LibvirtClient): Promise<void> {
    if (this.isClosed()) {
      await client.close();
      return;
    }
    this.client = client;
    client.on('state', (state, err) => {
      this.onClientState(state, err);
    });
    await this.sync();
  }

  private onClientState(state: ConnectionState, err: LibvirtConnectionError | undefined): void {
    if (state === 'connected') {
      this.options.logger.info({ uri: this.options.uri }, 'libvirt connection restored');
      void this.sync();
      return;
    }
    if (state === 'disconnected')
      this.options.logger.warn({ err, uri: this.options.uri }, 'libvirt connection lost');
    this.setStatus('down');
  }

  /** Makes sure every subscription exists, then reports `up` (serialized: reconnects can overlap). */
  private sync(): Promise<void> {
    this.syncing = this.syncing.then(() => this.ensureSubscriptions());
    return this.syncing;
  }

  private async ensureSubscriptions(): Promise<void> {
    const client = this.client;
    if (!client || !isConnected(client)) return;
    try {
      for (const name of SUBSCRIBED_EVENTS) {
        const existing = this.subscriptions.get(name);
        if (existing && !existing.closed) continue;
        this.subscriptions.set(name, await this.subscribe(client, name));
      }
    } catch (err: unknown) {
      // A lost connection is retried at the next `connected`; anything else leaves the hypervisor down.
      this.options.logger.error({ err }, 'cannot subscribe to libvirt events');
      return;
    }
    // Still the same, still connected: a drop during the registrations is handled by the next `connected`.
    if (client === this.client && isConnected(client)) this.setStatus('up');
  }

  private async subscribe<K extends SubscribedEvent>(
    client: LibvirtClient,
    name: K,
  ): Promise<EventSubscription<EventBody<K>>> {
    const subscription = await client.subscribe(name);
    subscription.on((body) => {
      this.deliver(name, () => translateEvent(name, body));
    });
    return subscription;
  }

  private deliver(name: SubscribedEvent, translate: () => HypervisorEvent | undefined): void {
    let event: HypervisorEvent | undefined;
    try {
      event = translate();
    } catch (err: unknown) {
      this.options.logger.error({ err, event: name }, 'cannot translate a libvirt event');
      return;
    }
    if (!event) {
      this.options.logger.debug({ event: name }, 'libvirt event ignored');
      return;
    }
    if (event.kind === 'reboot' && !this.reboots.admit(event.vmId)) return;
    for (const listener of [...this.eventListeners]) {
      try {
        listener(event);
      } catch (err: unknown) {
        this.options.logger.error(
          { err, event: event.kind, vm: event.vmId },
          'a hypervisor event listener threw',
        );
      }
    }
  }

  private setStatus(status: HypervisorStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    for (const listener of [...this.statusListeners]) {
      try {
        listener(status);
      } catch (err: unknown) {
        this.options.logger.error({ err, status }, 'a hypervisor status listener threw');
      }
    }
  }
}
