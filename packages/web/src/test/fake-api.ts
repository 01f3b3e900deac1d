import {
  createGureumClient,
  type EventsOptions,
  type EventSubscription,
  type GureumClient,
} from '@gureum/client';
import { BASE_PATH, type EventEnvelope } from '@gureum/contract';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}
export type FakeReply = { status: number; body?: unknown };
export type FakeHandler = (req: FakeRequest) => FakeReply | undefined;

/**
 * The typed client over an in-memory stand-in of the server: `handlers` answer requests by method and path
 * (`GET /vms`), unknown ones get a ROUTE_NOT_FOUND problem. The events subscription is driven by the test
 * through `emit` and `setState`. A fake of the server, not a mock of our modules.
 */
export function fakeApi(handlers: Record<string, FakeHandler | FakeReply>) {
  const requests: FakeRequest[] = [];
  const fetch = (input: string, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const path = url.pathname.slice(BASE_PATH.length);
    const req: FakeRequest = {
      method: init.method ?? 'GET',
      path,
      query: url.searchParams,
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    requests.push(req);
    const handler = handlers[`${req.method} ${path}`];
    const reply = typeof handler === 'function' ? handler(req) : handler;
    const answer = reply ?? {
      status: 404,
      body: {
        type: 'about:blank',
        title: 'Not found',
        status: 404,
        detail: `${req.method} ${path}`,
        instance: path,
        code: 'ROUTE_NOT_FOUND',
        requestId: 'req-test',
      },
    };
    const type = answer.status >= 400 ? 'application/problem+json' : 'application/json';
    return Promise.resolve(
      new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
        status: answer.status,
        headers: { 'content-type': type },
      }),
    );
  };
  const client: GureumClient = createGureumClient({ baseUrl: 'http://gureum.test', fetch, token: 'tok' });
  let subscriber: EventsOptions | undefined;
  const events = (options: EventsOptions): EventSubscription => {
    subscriber = options;
    return { state: 'connecting', lastEventId: undefined, ready: Promise.resolve(), close: () => undefined };
  };
  // The hub only needs `events`; everything else is the real client.
  const withEvents: GureumClient = Object.assign(Object.create(client) as GureumClient, { events });
  return {
    client: withEvents,
    requests,
    emit(event: EventEnvelope) {
      subscriber?.onEvent(event);
    },
    setState(state: 'open' | 'reconnecting' | 'closed', attempt = 0) {
      subscriber?.onState?.(state, { attempt });
    },
  };
}
