import type { Entity } from './entity.js';

/**
 * The entity at `path` (slash-separated ids from the root, e.g. `/shop/web/web-1`) in the tree whose root
 * is `root`; undefined when there is none.
 */
export function entityAtPath(root: Entity | undefined, path: string): Entity | undefined {
  const ids = path.split('/').filter(Boolean);
  let current = root;
  if (!current || current.id !== ids[0]) return undefined;
  for (const id of ids.slice(1)) {
    current = current.children.find((c) => c.id === id);
    if (!current) return undefined;
  }
  return current;
}

/** How many levels `entity` is below the root (0 for the root). */
export function depthOf(entity: Entity): number {
  let depth = 0;
  for (let above = entity._parent; above; above = above._parent) depth++;
  return depth;
}
