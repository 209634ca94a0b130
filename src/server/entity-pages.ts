import { z } from 'zod';
import type { Entity } from '../core/entity.js';
import { ApiError } from './context.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { walkSubtree } from './tree-walk.js';

/** An entity as the tree and the list give it (no nested children: `childCount`, set by the caller). */
export type EntitySummary = Record<string, unknown>;

/**
 * One entity's summary: id, type, path, state, whether it is up, its members, and how many children it has.
 * Reads `service.up` only when its sensor exists (a sensor is created on first use: reading the tree does not
 * make one for each entity, which is what a reading of it shows anyway, none).
 */
export function entitySummary(entity: Entity): EntitySummary {
  return { id: entity.id, type: entity.type, path: entity.path, state: entity.state, up: upOf(entity), members: entity.members.map((m) => m.id), childCount: entity.children.length };
}

function upOf(entity: Entity): boolean | null {
  for (const sensor of entity._createdSensors()) if (sensor.name === 'service.up') return (sensor.current?.value as boolean | undefined) ?? null;
  return null;
}

/**
 * The subtree of `root` as nested summaries (`children` in each) down to `depth` levels, with at most `limit`
 * entities: entities are expanded breadth first, level by level, until the children of the next one do not
 * fit; from there on, and below `depth`, an entity has `childCount` instead of `children` (ask for it with
 * `?root=` to see them, or read the list form page by page).
 */
export function boundedTree(root: Entity, depth: number, limit: number): EntitySummary {
  const top = entitySummary(root);
  const queue: { entity: Entity; summary: EntitySummary; level: number }[] = [{ entity: root, summary: top, level: 0 }];
  let count = 1;
  for (let head = 0; head < queue.length; head++) {
    const { entity, summary, level } = queue[head] as (typeof queue)[number];
    if (level >= depth) continue;
    const children = entity.children;
    if (count + children.length > limit) break;
    count += children.length;
    delete summary['childCount'];
    summary['children'] = children.map((child) => {
      const shown = entitySummary(child);
      queue.push({ entity: child, summary: shown, level: level + 1 });
      return shown;
    });
  }
  return top;
}

/** What the cursor of a page of the list holds: the root and depth it walks, and where the page ended. */
const listCursor = z.strictObject({ r: z.string(), d: z.number().int().min(0), id: z.string(), at: z.array(z.number().int().min(0)).max(1_000) });

/**
 * One page of the subtree of `root` down to `depth` levels as a list, in pre-order (an entity, then its
 * children's subtrees in order), each summary with its `parent`; `next` is the cursor of the page after it
 * (undefined on the last page).
 * @throws ApiError 400 when `cursor` was made for another root or depth
 */
export function entityListPage(root: Entity, depth: number, limit: number, cursor: string | undefined, find: (id: string) => Entity | undefined): { items: EntitySummary[]; next: string | undefined } {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, listCursor);
  if (after !== undefined && (after.r !== root.id || after.d !== depth)) throw new ApiError(400, `querystring/cursor: the cursor pages root '${after.r}' to depth ${after.d}, not root '${root.id}' to depth ${depth}: pass root and depth unchanged with it`, { code: 'E_CURSOR' });
  const items: EntitySummary[] = [];
  let last: { readonly entity: Entity; readonly at: readonly number[] } | undefined;
  for (const step of walkSubtree(root, depth, after, find)) {
    if (items.length === limit) return { items, next: encodeCursor({ r: root.id, d: depth, id: last?.entity.id, at: last?.at }) };
    items.push({ ...entitySummary(step.entity), parent: step.entity.parent?.id ?? null });
    last = step;
  }
  return { items, next: undefined };
}
