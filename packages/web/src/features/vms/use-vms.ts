import type { GureumClient } from '@gureum/client';
import type { User, Vm } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useCallback } from 'react';
import { useMe, useServices } from '../../lib/app-context';
import type { EventHub } from '../../live/event-hub';
import { keys } from '../../live/query-keys';
import { applyVmEvents, collectionFromList, type VmCollection } from '../../live/vm-collection';

/** Every VM the caller may see, page after page (500 per page, the API's largest). */
export async function fetchAllVms(client: GureumClient, signal?: AbortSignal): Promise<Vm[]> {
  const all: Vm[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listVms(
      { limit: 500, ...(cursor ? { cursor } : {}) },
      signal ? { signal } : {},
    );
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/**
 * Loads the VM list so that it misses no change: it waits for the events socket to be open (every later change
 * then arrives as an event), fetches, and replays on the fetched list the events that arrived meanwhile.
 */
export async function loadVmCollection(
  client: GureumClient,
  hub: EventHub | null,
  signal?: AbortSignal,
): Promise<VmCollection> {
  await hub?.whenOpen();
  const mark = hub?.mark() ?? 0;
  const vms = await fetchAllVms(client, signal);
  return applyVmEvents(collectionFromList(vms), hub?.since(mark) ?? []);
}

/** The live VM list. */
export function useVmCollection() {
  const { client, hub } = useServices();
  return useQuery({
    queryKey: keys.vms,
    queryFn: ({ signal }) => loadVmCollection(client, hub, signal),
    staleTime: Infinity, // events keep it current
  });
}

/** Users by id (admins only; others see "you" for their own VMs). */
export function useUsers(enabled: boolean) {
  const { client } = useServices();
  return useQuery({
    queryKey: keys.users,
    queryFn: async ({ signal }): Promise<User[]> => {
      const users: User[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listUsers({ limit: 500, ...(cursor ? { cursor } : {}) }, { signal });
        users.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return users;
    },
    enabled,
    staleTime: 60_000,
    retry: false,
  });
}

/** A function naming the owner of a VM: a username, "you", or a short id. */
export function useOwnerName(): { ownerName: (id: string) => string; users: User[] | undefined } {
  const me = useMe();
  const { data: users } = useUsers(me?.role === 'admin');
  const ownerName = useCallback(
    (id: string) => {
      if (me && id === me.id) return `${me.username} (you)`;
      const user = users?.find((u) => u.id === id);
      return user ? user.username : id.slice(0, 8);
    },
    [me, users],
  );
  return { ownerName, users };
}
