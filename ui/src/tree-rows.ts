import type { OpenedChildren } from './entity-pages.js';
import type { EntitySummary, ListedEntity } from './types.js';

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

/** True when the filter `needle` (lower case, trimmed) matches the id, type or state of `e`. */
export function matches(e: KnownEntity, needle: string): boolean {
  return `${e.id} ${e.type} ${e.state}`.toLowerCase().includes(needle);
}

/**
 * The entities that match `needle`, with their ancestors, among all the view knows: the walk of the whole
 * subtrees (`indexed`, in pre-order) and the loaded trees (fresher: their states win). At most `max` rows in tree order.
 */
export function filteredRows(trees: readonly EntitySummary[], opened: ReadonlyMap<string, OpenedChildren>, indexed: readonly ListedEntity[], needle: string, max: number): Rows & { readonly matching: number } {
  // id -> entity and parent, in the order of the walk (the order of the tree), then what only the loaded tree has
  const known = new Map<string, { e: KnownEntity; parent: string | null }>();
  for (const e of indexed) known.set(e.id, { e, parent: e.parent });
  const addLoaded = (e: KnownEntity, parent: string | null): void => {
    known.set(e.id, { e, parent: known.get(e.id)?.parent ?? parent });
    for (const c of loadedChildren(e, opened)) addLoaded(c, e.id);
  };
  for (const tree of trees) addLoaded(tree, known.get(tree.id)?.parent ?? null);
  const show = new Set<string>();
  let matching = 0;
  for (const [id, { e }] of known) {
    if (!matches(e, needle)) continue;
    matching++;
    // up to the root of the session's view: a scope root's parent is outside it, neither known nor drawn
    for (let at: string | null = id; at !== null && known.has(at) && !show.has(at); at = known.get(at)?.parent ?? null) show.add(at);
  }
  const under = new Map<string | null, string[]>();
  for (const [id, { parent }] of known) {
    if (!show.has(id)) continue;
    const key = parent !== null && show.has(parent) ? parent : null;
    const list = under.get(key) ?? [];
    list.push(id);
    under.set(key, list);
  }
  let shown = 0;
  const build = (id: string): Row | undefined => {
    if (shown >= max) return undefined;
    shown++;
    const children: Row[] = [];
    for (const c of under.get(id) ?? []) {
      const row = build(c);
      if (row) children.push(row);
    }
    return { e: (known.get(id) as { e: KnownEntity }).e, children };
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
