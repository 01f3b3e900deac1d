import type { Image } from '@gureum/contract';
import { useQuery } from '@tanstack/react-query';
import { useClient } from '../../lib/app-context';
import { keys } from '../../live/query-keys';
import type { Page } from '../../live/lists';

/** The image library (kept current by `image.updated`/`image.deleted` events). */
export function useImages() {
  const client = useClient();
  return useQuery({
    queryKey: keys.images,
    queryFn: async ({ signal }): Promise<Page<Image>> => {
      const items: Image[] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listImages({ limit: 500, ...(cursor ? { cursor } : {}) }, { signal });
        items.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return { items, nextCursor: null };
    },
    staleTime: Infinity,
  });
}

/** Ready images of one kind: what can back a VM (`disk`) or go in its cdrom (`iso`). */
export function readyImages(images: readonly Image[] | undefined, kind: Image['kind']): Image[] {
  return (images ?? []).filter((i) => i.kind === kind && i.status === 'ready');
}
