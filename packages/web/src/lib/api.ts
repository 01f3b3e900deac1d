import { createGureumClient, type FetchLike, type GureumClient } from '@gureum/client';

/** What the app wants to hear about every response, whatever made the request. */
export interface ApiHooks {
  /** A request that carried a token got 401: the session is over. */
  onUnauthorized(): void;
  /** 503 (libvirt or the database down): the health banner should look again. */
  onUnavailable(): void;
}

/**
 * The typed client of this origin, with one `fetch` wrapper that turns any 401 of an authenticated request into
 * the end of the session (a clear message on the login page), wherever the request came from.
 */
export function createApiClient(hooks: ApiHooks, baseUrl: string, token?: string): GureumClient {
  const fetchWithHooks: FetchLike = async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const sentToken = new Headers(init.headers).has('authorization');
    if (response.status === 401 && sentToken) hooks.onUnauthorized();
    if (response.status === 503) hooks.onUnavailable();
    return response;
  };
  return createGureumClient({ baseUrl, fetch: fetchWithHooks, ...(token ? { token } : {}) });
}
