import type { EntitySummary, ListedEntity, OpenedChildren } from './types.js';

/** An entity as the tree view has it: from the tree answer (nested) or from a page of the list form. */
export type KnownEntity = EntitySummary | ListedEntity;

/** One row of the tree view and the rows under it. */
export interface Row {
  readonly e: KnownEntity;
  readonly children: Row[];
}

/** What the tree view draws: at most `max` rows in tree order, and what it leaves out. */
export interface Rows {
  readonly top: Row[];
  /** Rows drawn. */
  readonly shown: number;
  /** Entities loaded (or, when filtering, matching with their ancestors) that are not drawn. */
  readonly left: number;
  /** Children of the drawn entities that are not loaded (what is under them is not counted). */
  readonly notLoaded: number;
}

const nestedChildren = (e: KnownEntity): readonly EntitySummary[] | undefined => ('children' in e ? e.children : undefined);

/** The children of `e` as loaded: nested in the tree answer, or the pages of them opened. */
export function loadedChildren(e: KnownEntity, opened: ReadonlyMap<string, OpenedChildren>): readonly KnownEntity[] {
  return nestedChildren(e) ?? opened.get(e.id)?.items ?? [];
}

/** Children of `e` that exist but are not loaded: all of them unless it is expanded or opened, else those after the pages read. */
export function missingChildren(e: KnownEntity, opened: ReadonlyMap<string, OpenedChildren>): number {
  if (nestedChildren(e) !== undefined) return 0;
  return Math.max(0, (e.childCount ?? 0) - (opened.get(e.id)?.items.length ?? 0));
}

/**
 * The loaded trees (one per root of the session's view) as rows, the first `max` of them in tree order (an
 * ancestor before what is under it), each root a top-level row: a row is kept for every root after the one
 * being drawn, so that a large first subtree does not hide the others.
 */
export function loadedRows(trees: readonly EntitySummary[], opened: ReadonlyMap<string, OpenedChildren>, max: number): Rows {
  let shown = 0;
  let total = 0;
  let notLoaded = 0;
  let budget = max;
  const build = (e: KnownEntity): Row | undefined => {
    total++;
    const drawn = shown < budget;
    if (drawn) {
      shown++;
      notLoaded += missingChildren(e, opened);
    }
    const children: Row[] = [];
    for (const c of loadedChildren(e, opened)) {
      const row = build(c);
      if (row) children.push(row);
    }
    return drawn ? { e, children } : undefined;
  };
  const top: Row[] = [];
  trees.forEach((tree, at) => {
    budget = Math.max(max - (trees.length - 1 - at), Math.min(shown + 1, max));
    const row = build(tree);
    if (row) top.push(row);
  });
  return { top, shown, left: total - shown, notLoaded };
}

/** What a filter searches in an entity: its id, type and state, in lower case. */
function haystackOf(e: KnownEntity): string {
  return `${e.id} ${e.type} ${e.state}`.toLowerCase();
}

/** True when the filter `needle` (lower case, trimmed) matches the id, type or state of `e`. */
export function matches(e: KnownEntity, needle: string): boolean {
  return haystackOf(e).includes(needle);
}

/**
 * The walk's entities as a filter reads them: by id, with each one's place in the walk, and what a filter
 * searches in each. Made once per walk and extended as it grows (the walk's list only grows until a new walk
 * replaces it), not at every refresh of the view: at 100 000 entities, building it took most of a filter's time.
 */
interface IndexedView {
  readonly byId: Map<string, { readonly e: ListedEntity; readonly at: number }>;
  readonly haystacks: string[];
}

const indexedViews = new WeakMap<readonly ListedEntity[], IndexedView>();

function indexedViewOf(indexed: readonly ListedEntity[]): IndexedView {
  let view = indexedViews.get(indexed);
  if (view === undefined) indexedViews.set(indexed, (view = { byId: new Map(), haystacks: [] }));
  for (let at = view.haystacks.length; at < indexed.length; at++) {
    const e = indexed[at] as ListedEntity;
    view.byId.set(e.id, { e, at });
    view.haystacks.push(haystackOf(e));
  }
  return view;
}

/**
 * The entities that match `needle`, with their ancestors, among all the view knows: the walk of the whole
 * subtrees (`indexed`, in pre-order) and the loaded trees (fresher: their states win). At most `max` rows in tree order.
 */
export function filteredRows(trees: readonly EntitySummary[], opened: ReadonlyMap<string, OpenedChildren>, indexed: readonly ListedEntity[], needle: string, max: number): Rows & { readonly matching: number } {
  const view = indexedViewOf(indexed);
  // what the loaded trees have (fresher than the walk), with the parent the walk gave where it has the entity;
  // those the walk lacks come after the walk's, in the order of the trees
  const loaded = new Map<string, { e: KnownEntity; parent: string | null }>();
  const loadedOnly: string[] = [];
  const parentOf = (id: string): string | null | undefined => loaded.get(id)?.parent ?? view.byId.get(id)?.e.parent;
  const addLoaded = (e: KnownEntity, parent: string | null): void => {
    const walked = view.byId.get(e.id);
    if (!walked && !loaded.has(e.id)) loadedOnly.push(e.id);
    loaded.set(e.id, { e, parent: walked ? walked.e.parent : loaded.get(e.id)?.parent ?? parent });
    for (const c of loadedChildren(e, opened)) addLoaded(c, e.id);
  };
  for (const tree of trees) addLoaded(tree, view.byId.get(tree.id)?.e.parent ?? null);
  const known = (id: string): boolean => loaded.has(id) || view.byId.has(id);
  const entityOf = (id: string): KnownEntity => (loaded.get(id)?.e ?? view.byId.get(id)?.e) as KnownEntity;
  const show = new Set<string>();
  let matching = 0;
  const consider = (id: string, hit: boolean): void => {
    if (!hit) return;
    matching++;
    // up to the root of the session's view: a scope root's parent is outside it, neither known nor drawn
    for (let at: string | null = id; at !== null && known(at) && !show.has(at); at = parentOf(at) ?? null) show.add(at);
  };
  for (let at = 0; at < indexed.length; at++) {
    const id = (indexed[at] as ListedEntity).id;
    const fresher = loaded.get(id);
    consider(id, fresher ? matches(fresher.e, needle) : (view.haystacks[at] as string).includes(needle));
  }
  for (const id of loadedOnly) consider(id, matches(entityOf(id), needle));
  const under = new Map<string | null, string[]>();
  const place = (id: string): void => {
    const parent = parentOf(id) ?? null;
    const key = parent !== null && show.has(parent) ? parent : null;
    const list = under.get(key) ?? [];
    list.push(id);
    under.set(key, list);
  };
  // in the order of the walk, then the loaded trees': only what is shown is placed (a narrow filter shows few)
  const afterWalk = new Map(loadedOnly.map((id, i) => [id, indexed.length + i]));
  const positionOf = (id: string): number => view.byId.get(id)?.at ?? afterWalk.get(id) ?? Number.MAX_SAFE_INTEGER;
  for (const id of [...show].sort((a, b) => positionOf(a) - positionOf(b))) place(id);
  let shown = 0;
  const build = (id: string): Row | undefined => {
    if (shown >= max) return undefined;
    shown++;
    const children: Row[] = [];
    for (const c of under.get(id) ?? []) {
      const row = build(c);
      if (row) children.push(row);
    }
    return { e: entityOf(id), children };
  };
  const top: Row[] = [];
  for (const id of under.get(null) ?? []) {
    const row = build(id);
    if (row) top.push(row);
  }
  return { top, shown, left: show.size - shown, notLoaded: 0, matching };
}

/** The opened entities still in the loaded trees (one under an entity closed, or paged past, is not). */
export function reachableOpened(trees: readonly EntitySummary[], opened: ReadonlyMap<string, OpenedChildren>): Set<string> {
  const reached = new Set<string>();
  const visit = (e: KnownEntity): void => {
    if (opened.has(e.id)) reached.add(e.id);
    for (const c of loadedChildren(e, opened)) visit(c);
  };
  for (const tree of trees) visit(tree);
  return reached;
}
