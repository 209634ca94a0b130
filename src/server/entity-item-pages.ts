import { z } from 'zod';
import type { Entity } from '../core/entity.js';
import { inScope, type ApiContext } from './context.js';
import type { Principal } from './auth.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { walkSubtree } from './tree-walk.js';

/** Deeper than any tree may be (see MAX_TREE_DEPTH): the walk for items goes to every level. */
const EVERY_LEVEL = 1_000;

/**
 * Where a page of items ended: the scope root it walked (its index among the principal's roots), the entity
 * of its last item and that entity's place, and how many of that entity's items it gave.
 */
const itemCursor = z.strictObject({ s: z.number().int().min(0), id: z.string(), at: z.array(z.number().int().min(0)).max(EVERY_LEVEL), k: z.number().int().min(0) });

/** The roots of what the principal sees, outermost first: its scopes in order, none inside another. */
function rootsOf(context: ApiContext, principal: Principal): Entity[] {
  if (principal.scopes === undefined) return [context.tree.root];
  const roots = principal.scopes.flatMap((id) => context.tree.find(id) ?? []);
  return roots.filter((root, i) => roots.indexOf(root) === i && !roots.some((other) => other !== root && other.contains(root)));
}

/**
 * One page of the items the principal sees (policies, feeds: what `itemsOf` gives of each entity), entity by
 * entity in the tree's pre-order; `next` is the cursor of the page after it (undefined on the last page). A
 * page walks the tree only as far as it needs: its cost is that of `limit` items plus the entities without
 * items on the way.
 * @throws ApiError 400 when `cursor` is not one this route gave
 */
export function entityItemPage<T>(context: ApiContext, principal: Principal, limit: number, cursor: string | undefined, itemsOf: (entity: Entity) => readonly T[]): { items: T[]; next: string | undefined } {
  const after = cursor === undefined ? undefined : decodeCursor(cursor, itemCursor);
  const roots = rootsOf(context, principal);
  const items: T[] = [];
  const find = (id: string) => context.tree.find(id);
  for (let s = after?.s ?? 0; s < roots.length; s++) {
    const root = roots[s] as Entity;
    const resume = after !== undefined && s === after.s ? after : undefined;
    // the rest of the items of the entity the page before ended in, when it is still where it was
    const unfinished = resume === undefined ? undefined : find(resume.id);
    const steps: Iterable<{ readonly entity: Entity; readonly at: readonly number[] }> = walkSubtree(root, EVERY_LEVEL, resume, find);
    const first = unfinished !== undefined && root.contains(unfinished) ? { entity: unfinished, at: resume?.at ?? [], skip: resume?.k ?? 0 } : undefined;
    for (const step of startingWith(first, steps)) {
      if (!inScope(context, principal, step.entity)) continue;
      const own = itemsOf(step.entity);
      for (let k = step.skip; k < own.length; k++) {
        if (items.length === limit) return { items, next: encodeCursor({ s, id: step.entity.id, at: step.at, k }) };
        items.push(own[k] as T);
      }
    }
  }
  return { items, next: undefined };
}

/** `first` (the entity a page before ended in, with how many of its items it gave), then the walk's steps. */
function* startingWith(first: Step | undefined, steps: Iterable<{ readonly entity: Entity; readonly at: readonly number[] }>): Generator<Step> {
  if (first !== undefined) yield first;
  for (const step of steps) yield { entity: step.entity, at: step.at, skip: 0 };
}

/** An entity of the walk, its place, and how many of its items were given already. */
interface Step {
  readonly entity: Entity;
  readonly at: readonly number[];
  readonly skip: number;
}
