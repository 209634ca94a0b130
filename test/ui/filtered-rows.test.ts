// The tree view's filter over everything it knows (the walk of the subtrees and the loaded trees), without a
// browser: the rows it draws are those of the plain definition below, for random trees, filters and walks
// that grow between two filterings (the view of the walk is kept between them and extended).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { filteredRows, loadedChildren, matches, type KnownEntity, type Row } from '../../ui/src/tree-rows.js';
import type { EntitySummary, ListedEntity } from '../../ui/src/types.js';

/** The definition: every known entity in one map (walk first, loaded trees over it), matches and their ancestors. */
function definedRows(trees: readonly EntitySummary[], indexed: readonly ListedEntity[], needle: string, max: number) {
  const known = new Map<string, { e: KnownEntity; parent: string | null }>();
  for (const e of indexed) known.set(e.id, { e, parent: e.parent });
  const addLoaded = (e: KnownEntity, parent: string | null): void => {
    known.set(e.id, { e, parent: known.get(e.id)?.parent ?? parent });
    for (const c of loadedChildren(e, new Map())) addLoaded(c, e.id);
  };
  for (const tree of trees) addLoaded(tree, known.get(tree.id)?.parent ?? null);
  const show = new Set<string>();
  let matching = 0;
  for (const [id, { e }] of known) {
    if (!matches(e, needle)) continue;
    matching++;
    for (let at: string | null = id; at !== null && known.has(at) && !show.has(at); at = known.get(at)?.parent ?? null) show.add(at);
  }
  const under = new Map<string | null, string[]>();
  for (const [id, { parent }] of known) {
    if (!show.has(id)) continue;
    const key = parent !== null && show.has(parent) ? parent : null;
    under.set(key, [...(under.get(key) ?? []), id]);
  }
  let shown = 0;
  const build = (id: string): Row | undefined => {
    if (shown >= max) return undefined;
    shown++;
    const children = (under.get(id) ?? []).map(build).filter((r): r is Row => r !== undefined);
    return { e: (known.get(id) as { e: KnownEntity }).e, children };
  };
  const top = (under.get(null) ?? []).map(build).filter((r): r is Row => r !== undefined);
  return { top, shown, left: show.size - shown, notLoaded: 0, matching };
}

const STATES = ['running', 'starting', 'stopped'];
const entity = (id: string, parent: string | null, state: number): ListedEntity => ({ id, type: id.startsWith('g') ? 'cluster' : 'server', path: `/${id}`, state: STATES[state % 3] as string, up: null, members: [], parent });

/** A forest in pre-order: each entity's parent is an earlier one (or none); ids from a small alphabet, so filters hit. */
const forest = fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.boolean()), { minLength: 1, maxLength: 60 }).map((specs) => {
  const list: ListedEntity[] = [];
  specs.forEach(([parentPick, state, group], i) => {
    const parent = i === 0 || parentPick % 5 === 0 ? null : (list[parentPick % list.length] as ListedEntity).id;
    list.push(entity(`${group ? 'g' : 's'}${i}`, parent, state));
  });
  // pre-order, as the walk gives it
  const ordered: ListedEntity[] = [];
  const visit = (e: ListedEntity): void => {
    ordered.push(e);
    for (const c of list.filter((x) => x.parent === e.id)) visit(c);
  };
  for (const root of list.filter((e) => e.parent === null)) visit(root);
  return ordered;
});

/** Loaded trees over part of the forest: some states fresher, and some entities the walk has not reached. */
function loadedTrees(walk: readonly ListedEntity[], pick: number, extra: number): EntitySummary[] {
  const nest = (e: ListedEntity, depth: number): EntitySummary => {
    const children = depth < 2 ? walk.filter((c) => c.parent === e.id).map((c) => nest(c, depth + 1)) : [];
    const added = depth === 0 ? Array.from({ length: extra }, (_, i) => ({ ...entity(`new${i}`, e.id, i), children: [] as EntitySummary[] })) : [];
    return { id: e.id, type: e.type, path: e.path, state: STATES[(STATES.indexOf(e.state) + pick) % 3] as string, up: null, members: [], children: [...children, ...added] };
  };
  const roots = walk.filter((e) => e.parent === null);
  return roots.length === 0 ? [] : [nest(roots[pick % roots.length] as ListedEntity, 0)];
}

describe('filteredRows', () => {
  it('draws what the definition draws, for random trees, fresher loaded states, entities only loaded, and a walk that grows', () => {
    fc.assert(
      fc.property(forest, fc.nat(), fc.nat(3), fc.constantFrom('s', 'g1', '2', 'running', 'stop', 'cluster', 'zz', ''), fc.integer({ min: 1, max: 30 }), fc.nat(), (walk, pick, extra, needle, max, cut) => {
        const trees = loadedTrees(walk, pick, extra);
        // the walk as it grows: a first part, filtered; then the rest arrives in the same array and it is filtered again
        const growing = walk.slice(0, 1 + (cut % walk.length));
        expect(filteredRows(trees, new Map(), growing, needle, max)).toEqual(definedRows(trees, growing, needle, max));
        growing.push(...walk.slice(growing.length));
        expect(filteredRows(trees, new Map(), growing, needle, max)).toEqual(definedRows(trees, growing, needle, max));
      }),
      { numRuns: 300 },
    );
  });
});
