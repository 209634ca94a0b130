import { apiAnswer, nextCursor } from './api.js';
import type { EntitySummary, ListedEntity, OpenedChildren } from './types.js';

/** One page of the list form of a subtree: its entities in pre-order, and the cursor of the page after. */
export interface ListPage {
  readonly items: readonly ListedEntity[];
  /** The cursor of the next page; undefined on the last one. */
  readonly next: string | undefined;
}

/**
 * The bounded tree under `root` (`GET /entities?root=`): at most `limit` entities, expanded breadth first;
 * an entity the answer did not expand has `childCount` instead of `children`.
 */
export async function readTree(root: string, limit: number): Promise<EntitySummary> {
  return (await apiAnswer<EntitySummary>('GET', `/entities?root=${encodeURIComponent(root)}&limit=${limit}`)).body;
}

/**
 * One page of `root`'s subtree down to `depth` levels in pre-order (`GET /entities?format=list`), at most
 * `limit` entities, from `cursor` (the `next` of the page before) or from `root` itself.
 */
export async function readListPage(root: string, depth: number, limit: number, cursor?: string): Promise<ListPage> {
  const query = `format=list&root=${encodeURIComponent(root)}&depth=${depth}&limit=${limit}${cursor === undefined ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
  const { body, headers } = await apiAnswer<ListedEntity[]>('GET', `/entities?${query}`);
  return { items: body, next: nextCursor(headers) };
}

/**
 * The children of `id`, `limit` of them from the cursor `from` (a `next` of a window before, then `offset` is
 * how many children come before it) or the first `limit`: the list form at depth 1, whose first page starts
 * with the entity itself (left out here). Works however many children `id` has, where the tree form of an
 * entity with more children than its limit answers the entity alone.
 */
export async function readChildren(id: string, limit: number, from?: string, offset = 0): Promise<OpenedChildren> {
  const page = await readListPage(id, 1, from === undefined ? limit + 1 : limit, from);
  return { items: page.items.filter((e) => e.id !== id), next: page.next, from, offset: from === undefined ? 0 : offset };
}

export type { OpenedChildren } from './types.js';
