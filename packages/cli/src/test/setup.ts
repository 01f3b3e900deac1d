// One fake Gureum per test: `const t = useFakeGureum()`, then `t.url`, `t.api`, `t.world`, `t.run(argv)`.
import { afterEach, beforeEach, expect } from 'vitest';
import { FakeApi } from './fake-api.js';
import { runCli, tempHome, type RunOptions, type RunResult } from './run.js';
import { ADMIN_TOKEN, paging, World } from './world.js';

export interface FakeGureum {
  readonly url: string;
  readonly api: FakeApi;
  readonly world: World;
  readonly home: string;
  /** Runs the CLI against the fake, logged in through GUREUM_URL and GUREUM_TOKEN unless `env` says otherwise. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
}

export function useFakeGureum(): FakeGureum {
  let state: { url: string; api: FakeApi; world: World; home: string } | undefined;
  const get = () => {
    if (!state) throw new Error('useFakeGureum: used outside a test');
    return state;
  };
  beforeEach(async () => {
    const api = new FakeApi();
    const world = new World(api);
    const url = await api.start();
    state = { url, api, world, home: tempHome() };
  });
  afterEach(async () => {
    const { api } = get();
    paging.cap = 500;
    await api.close();
    expect(api.violations).toEqual([]);
  });
  return {
    get url() {
      return get().url;
    },
    get api() {
      return get().api;
    },
    get world() {
      return get().world;
    },
    get home() {
      return get().home;
    },
    run(argv, options = {}) {
      const { url, home } = get();
      return runCli(argv, {
        home,
        ...options,
        env: { GUREUM_URL: url, GUREUM_TOKEN: ADMIN_TOKEN, ...options.env },
      });
    },
  };
}
