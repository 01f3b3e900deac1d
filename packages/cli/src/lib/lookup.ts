// Fetching whole lists and finding resources by id or name. Every call goes through the typed client.
import { isApiError, type GureumClient } from '@gureum/client';
import type { Image, Token, User } from '@gureum/contract';
import { CliError } from './errors.js';
import { quote } from './format.js';

/** The largest page the API serves. */
export const PAGE_SIZE = 500;

/** A page of a list route. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/**
 * Follows `nextCursor` until the last page (or until `max` items), and returns the items as one list document
 * `{ items, nextCursor }` — what `--json` prints for lists.
 */
export async function allPages<T>(
  fetchPage: (cursor: { cursor?: string; limit: number }) => Promise<Page<T>>,
  max = Infinity,
): Promise<{ items: T[]; nextCursor: string | null }> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const limit = Math.min(PAGE_SIZE, max - items.length);
    const page: Page<T> = await fetchPage(cursor === null ? { limit } : { cursor, limit });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null && items.length < max);
  return { items: items.slice(0, max), nextCursor: cursor };
}

/** An image by id, else by exact name (`--image ID|NAME`). */
export async function findImage(client: GureumClient, ref: string, signal?: AbortSignal): Promise<Image> {
  const opts = signal ? { signal } : {};
  try {
    return await client.getImage({ id: ref }, opts);
  } catch (err: unknown) {
    // A name may not be a valid id (400) or simply not be one (404): then look it up by name.
    if (!isApiError(err, 'IMAGE_NOT_FOUND') && !isApiError(err, 'VALIDATION_FAILED')) throw err;
  }
  const { items } = await allPages((page) => client.listImages({ q: ref, ...page }, opts));
  const found = items.find((i) => i.name === ref);
  if (!found)
    throw new CliError('Image not found', `no image has the id or name ${quote(ref)}`, 'IMAGE_NOT_FOUND');
  return found;
}

/** A user by id or username (admin only; the list is small). */
export async function findUser(client: GureumClient, ref: string): Promise<User> {
  const { items } = await allPages((page) => client.listUsers(page));
  const found = items.find((u) => u.id === ref) ?? items.find((u) => u.username === ref);
  if (!found)
    throw new CliError('User not found', `no user has the id or username ${quote(ref)}`, 'USER_NOT_FOUND');
  return found;
}

/** One of the caller's tokens by id or name. */
export async function findToken(client: GureumClient, ref: string): Promise<Token> {
  const { items } = await client.listTokens();
  const found = items.find((t) => t.id === ref) ?? items.find((t) => t.name === ref);
  if (!found)
    throw new CliError(
      'Token not found',
      `you have no token with the id or name ${quote(ref)}`,
      'TOKEN_NOT_FOUND',
    );
  return found;
}
