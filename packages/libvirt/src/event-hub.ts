/**
 * Event registrations of one client: registers each subscription with the daemon, maps the daemon's callback ids
 * (which change on every connection) to subscriptions, and routes event messages by procedure number.
 */
import type { Connection } from './connection.js';
import { EventSubscription } from './event-subscription.js';
import { Program } from './protocol/constants.js';
import {
  remoteEvents,
  type EventObjectKind,
  type RemoteEventBody,
  type RemoteEventName,
} from './protocol/events.js';
import { proc, type Procedure } from './protocol/procedure.js';
import { OptDom, OptNet, OptPool, type Dom, type Net, type Pool } from './protocol/types.js';
import type { PacketHeader } from './transport/packet.js';
import { decode, int, struct, xvoid, type Codec } from './xdr/codec.js';

/**
 * An event body as delivered to subscribers: the daemon's `callbackID` is removed (it changes on reconnect).
 *
 * @example
 * ```ts
 * const onLifecycle = (e: EventBody<'domainLifecycle'>): void => console.log(e.dom.name, e.event, e.detail);
 * ```
 */
export type EventBody<K extends RemoteEventName> = Omit<RemoteEventBody<K>, 'callbackID'>;

/**
 * The object filter a subscription accepts, by the event's object kind (derived from the event name).
 *
 * @example
 * ```ts
 * const filter: EventFilterOptions<'networkLifecycle'> = { net };
 * ```
 */
export type EventFilterOptions<K extends string> = K extends `domain${string}`
  ? { /** Only events of this domain; all domains when absent or null. */ readonly dom?: Dom | null }
  : K extends `network${string}`
    ? { /** Only events of this network. */ readonly net?: Net | null }
    : K extends `storagePool${string}`
      ? { /** Only events of this storage pool. */ readonly pool?: Pool | null }
      : object;

/**
 * Options of `LibvirtClient.subscribe`.
 *
 * @example
 * ```ts
 * await client.subscribe('domainLifecycle', { dom, signal: AbortSignal.timeout(60_000) });
 * ```
 */
export type SubscribeOptions<K extends RemoteEventName> = {
  /** Closes the subscription when it fires. */
  readonly signal?: AbortSignal;
} & EventFilterOptions<K>;

interface Registrar {
  readonly filterKey: string;
  readonly register: (conn: Connection, eventId: number, filter: unknown) => Promise<number>;
  readonly deregister: Procedure<{ callbackID: number }, void>;
}

function registrar<F>(
  filterKey: string,
  registerNo: number,
  deregisterNo: number,
  filterCodec: Codec<F | null>,
  isFilter: (v: unknown) => v is F,
): Registrar {
  const register = proc(registerNo, struct({ eventID: int, filter: filterCodec }), int);
  return {
    filterKey,
    register: (conn, eventID, filter) => {
      if (filter === null)
        return conn.call(register, { eventID, filter: null }, {}, `register ${filterKey} events`);
      if (!isFilter(filter)) throw new TypeError(`the '${filterKey}' filter is not a valid handle`);
      return conn.call(register, { eventID, filter }, {}, `register ${filterKey} events`);
    },
    deregister: proc(deregisterNo, struct({ callbackID: int }), xvoid),
  };
}

function hasNameAndUuid(v: unknown): v is { name: string; uuid: string } {
  return (
    typeof v === 'object' &&
    v !== null &&
    'name' in v &&
    'uuid' in v &&
    typeof v.name === 'string' &&
    typeof v.uuid === 'string'
  );
}
const isDom = (v: unknown): v is Dom => hasNameAndUuid(v) && 'id' in v && typeof v.id === 'number';
const isNetOrPool = (v: unknown): v is Net & Pool => hasNameAndUuid(v);

// The callback-style registration procedures of each object kind (libvirt ≥ 1.2.x).
const REGISTRARS: Partial<Record<EventObjectKind, Registrar>> = {
  domain: registrar('dom', 316, 317, OptDom, isDom),
  network: registrar('net', 313, 314, OptNet, isNetOrPool),
  storagePool: registrar('pool', 368, 369, OptPool, isNetOrPool),
};

type AnyEvent = (typeof remoteEvents)[RemoteEventName];

interface Registration {
  readonly event: AnyEvent;
  readonly registrar: Registrar;
  readonly filter: unknown;
  readonly subscription: EventSubscription<unknown>;
  /** The daemon's callback id on the current connection. */
  callbackId: number | undefined;
  connection: Connection | undefined;
}

interface EarlyEvent {
  readonly kind: EventObjectKind;
  readonly callbackId: number;
  readonly body: object;
}

const EARLY_EVENTS_MAX = 10_000;

function splitCallbackId(decoded: unknown): { callbackId: number; body: object } | undefined {
  if (typeof decoded !== 'object' || decoded === null || !('callbackID' in decoded)) return undefined;
  const { callbackID, ...body } = decoded;
  return typeof callbackID === 'number' ? { callbackId: callbackID, body } : undefined;
}

/** @internal */
export class EventHub {
  private readonly registrations = new Set<Registration>();
  private readonly byCallback = new Map<string, Registration>();
  private readonly byMsgProc = new Map<number, AnyEvent>();
  private readonly registering = new Map<EventObjectKind, number>();
  private early: EarlyEvent[] = [];

  constructor(private readonly currentConnection: () => Connection | undefined) {
    for (const event of Object.values(remoteEvents)) this.byMsgProc.set(event.msgProc, event);
  }

  /**
   * Routes an event message. Throws (a protocol error for the connection) when a known event's body does not
   * decode. Unknown procedures and unknown callback ids are dropped.
   */
  onMessage(header: PacketHeader, body: Buffer): void {
    if (header.prog !== Program.Remote) return;
    const event = this.byMsgProc.get(header.proc);
    if (!event) return;
    const split = splitCallbackId(decode<unknown>(event.body, body));
    if (!split) throw new TypeError(`event ${event.name} has no callbackID`);
    const reg = this.byCallback.get(`${event.object}:${split.callbackId}`);
    if (reg) {
      reg.subscription.deliver(split.body);
    } else if ((this.registering.get(event.object) ?? 0) > 0 && this.early.length < EARLY_EVENTS_MAX) {
      // A registration of this kind is in flight: this may be its first event, ahead of the callback id.
      this.early.push({ kind: event.object, callbackId: split.callbackId, body: split.body });
    }
  }

  /** Creates and registers a subscription on `conn`. */
  async subscribe<K extends RemoteEventName>(
    conn: Connection,
    name: K,
    options: SubscribeOptions<K> | undefined,
  ): Promise<EventSubscription<EventBody<K>>> {
    if (!Object.hasOwn(remoteEvents, name)) throw new TypeError(`unknown event '${name}'`);
    const event: AnyEvent = remoteEvents[name];
    const reg = this.createRegistration(event, options ?? {});
    // The hub decodes this registration's messages with `event.body` and strips the callbackID: exactly EventBody<K>.
    const subscription = reg.subscription as EventSubscription<EventBody<K>>;
    try {
      await this.register(conn, reg);
    } catch (err: unknown) {
      this.registrations.delete(reg);
      subscription.end();
      throw err;
    }
    const signal = options?.signal;
    if (signal) {
      if (signal.aborted) await subscription.close();
      else signal.addEventListener('abort', () => void subscription.close(), { once: true });
    }
    return subscription;
  }

  private createRegistration(event: AnyEvent, options: object): Registration {
    const reg = REGISTRARS[event.object];
    if (!reg) throw new TypeError(`events of kind '${event.object}' are not supported by this client`);
    const filter: unknown = Reflect.get(options, reg.filterKey) ?? null;
    const holder: { registration?: Registration } = {};
    const subscription = new EventSubscription<unknown>(event.name, async () => {
      if (holder.registration) await this.remove(holder.registration);
    });
    const registration: Registration = {
      event,
      registrar: reg,
      filter,
      subscription,
      callbackId: undefined,
      connection: undefined,
    };
    holder.registration = registration;
    this.registrations.add(registration);
    return registration;
  }

  private async register(conn: Connection, reg: Registration): Promise<void> {
    const kind = reg.event.object;
    this.registering.set(kind, (this.registering.get(kind) ?? 0) + 1);
    try {
      const callbackId = await reg.registrar.register(conn, reg.event.eventId, reg.filter);
      if (reg.subscription.closed || conn.closeReason) {
        if (!conn.closeReason) await this.deregister(conn, reg.registrar, callbackId);
        return;
      }
      reg.callbackId = callbackId;
      reg.connection = conn;
      this.byCallback.set(`${kind}:${callbackId}`, reg);
      const mine = this.early.filter((e) => e.kind === kind && e.callbackId === callbackId);
      if (mine.length > 0) {
        this.early = this.early.filter((e) => !mine.includes(e));
        for (const e of mine) reg.subscription.deliver(e.body);
      }
    } finally {
      const left = (this.registering.get(kind) ?? 1) - 1;
      this.registering.set(kind, left);
      if (left === 0) this.early = this.early.filter((e) => e.kind !== kind);
    }
  }

  private async deregister(conn: Connection, registrar: Registrar, callbackID: number): Promise<void> {
    try {
      await conn.call(
        registrar.deregister,
        { callbackID },
        { timeoutMs: 5000 },
        `deregister ${registrar.filterKey} events`,
      );
    } catch {
      // Best effort: the registration dies with the connection anyway, and stray events are dropped.
    }
  }

  private async remove(reg: Registration): Promise<void> {
    this.registrations.delete(reg);
    const { callbackId, connection } = reg;
    if (callbackId === undefined || !connection) return;
    this.byCallback.delete(`${reg.event.object}:${callbackId}`);
    reg.callbackId = undefined;
    if (connection === this.currentConnection() && !connection.closeReason) {
      await this.deregister(connection, reg.registrar, callbackId);
    }
  }

  /** Forgets the callback ids of a lost connection (they die with it). */
  connectionLost(): void {
    this.byCallback.clear();
    this.early = [];
    for (const reg of this.registrations) {
      reg.callbackId = undefined;
      reg.connection = undefined;
    }
  }

  /**
   * Registers every subscription again on a new connection. A subscription whose registration the daemon
   * refuses (e.g. its domain no longer exists) ends with that error; a connection failure rejects.
   */
  async registerAll(conn: Connection): Promise<void> {
    for (const reg of [...this.registrations]) {
      if (reg.subscription.closed) continue;
      try {
        await this.register(conn, reg);
      } catch (err: unknown) {
        if (conn.closeReason) throw err;
        this.registrations.delete(reg);
        reg.subscription.end(err instanceof Error ? err : new Error(String(err)));
      }
    }
  }

  /** Ends every subscription (the client is closed). */
  endAll(error?: Error): void {
    for (const reg of this.registrations) reg.subscription.end(error);
    this.registrations.clear();
    this.byCallback.clear();
    this.early = [];
  }

  /** Number of live subscriptions. */
  get size(): number {
    return this.registrations.size;
  }
}
