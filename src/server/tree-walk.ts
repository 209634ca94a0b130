import type { Entity } from '../core/entity.js';

/** Where a walk of a subtree stopped: the last entity given, and its place (child indices from the root). */
export interface WalkPosition {
  readonly id: string;
  readonly at: readonly number[];
}

/** Children of one entity still to walk, from `index` on, at `level` below the root. */
interface Frame {
  readonly children: readonly Entity[];
  index: number;
  readonly level: number;
}

/**
 * The entities of `root`'s subtree down to `depth` levels below it, in pre-order (an entity, then each of its
 * children's subtrees in order: the order of `Entity.subtree()`), each with its place. With `after`, the walk
 * starts after that position: after the entity it names when that entity is still in the subtree, else at
 * the place it had (the entity now there, the one that followed it once it left), so a tree that changes
 * between pages is walked on without a restart (an entity added or moved meanwhile may be missed or seen twice).
 *
 * An explicit stack, no recursion: each step costs the same at any depth; finding `after` costs its depth
 * times the number of its siblings (an `indexOf` per level).
 */
export function* walkSubtree(root: Entity, depth: number, after?: WalkPosition, find?: (id: string) => Entity | undefined): Generator<{ readonly entity: Entity; readonly at: readonly number[] }> {
  const frames: Frame[] = [];
  const path: number[] = [];
  if (after === undefined) {
    yield { entity: root, at: [] };
    if (depth > 0) frames.push({ children: root.children, index: 0, level: 1 });
  } else {
    resume(frames, path, root, depth, after, find?.(after.id));
  }
  while (frames.length > 0) {
    const frame = frames[frames.length - 1] as Frame;
    if (frame.index >= frame.children.length) {
      frames.pop();
      continue;
    }
    const entity = frame.children[frame.index] as Entity;
    path.length = frame.level - 1;
    path.push(frame.index);
    frame.index += 1;
    yield { entity, at: [...path] };
    if (frame.level < depth && entity.children.length > 0) frames.push({ children: entity.children, index: 0, level: frame.level + 1 });
  }
}

/** Fills `frames` (and the path to the current place) to continue a walk after `after`. */
function resume(frames: Frame[], path: number[], root: Entity, depth: number, after: WalkPosition, entity: Entity | undefined): void {
  const chain = entity === undefined ? undefined : chainTo(root, entity);
  if (chain !== undefined && chain.length <= depth) {
    // after the entity itself: its children next, then its later siblings, then its ancestors' later siblings
    let parent = root;
    for (const [level, index] of chain.entries()) {
      frames.push({ children: parent.children, index: index + 1, level: level + 1 });
      path.push(index);
      parent = parent.children[index] as Entity;
    }
    if (chain.length < depth && parent.children.length > 0) frames.push({ children: parent.children, index: 0, level: chain.length + 1 });
    return;
  }
  // the entity left the subtree: on from the place it had (the entity there now is the one that followed it)
  const place = after.at.slice(0, depth);
  let parent = root;
  for (const [level, index] of place.entries()) {
    const child = parent.children[index];
    if (level === place.length - 1 || child === undefined) {
      frames.push({ children: parent.children, index, level: level + 1 });
      return;
    }
    // an ancestor still there: its later siblings after its subtree
    frames.push({ children: parent.children, index: index + 1, level: level + 1 });
    path.push(index);
    parent = child;
  }
}

/** The child indices from `root` down to `entity`, or undefined when `entity` is not in `root`'s subtree. */
function chainTo(root: Entity, entity: Entity): number[] | undefined {
  const chain: number[] = [];
  for (let e: Entity = entity; e !== root; ) {
    const parent = e.parent;
    if (parent === undefined) return undefined;
    chain.push(parent.children.indexOf(e));
    e = parent;
  }
  return chain.reverse();
}
