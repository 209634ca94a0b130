import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import { EntityIndex, INDEX_MAX, type IndexState } from '../entity-index.js';
import { readChildren, readTree, type OpenedChildren } from '../entity-pages.js';
import { useLive, type LiveFeed } from '../live.js';
import { useRefresh } from '../refresh.js';
import { href } from '../route.js';
import type { Session } from '../session.js';
import { filteredRows, loadedRows, reachableOpened, type KnownEntity, type Row } from '../tree-rows.js';
import type { EntitySummary } from '../types.js';

/** How often the tree is read again (ms): states and health change without decisions. */
const REFRESH_MS = 3000;

/**
 * The most entities shown at once: a tree of 50 000 made a page of 300 000 elements whose every refresh held
 * the browser for seconds. The first read asks for no more than this; opening an entity, or the filter, finds the others.
 */
export const MAX_TREE_ROWS = 400;

/** Children of an opened entity shown at once: "next" shows the page after, "first" the first again. */
export const OPEN_PAGE = 200;

type Opened = ReadonlyMap<string, OpenedChildren>;

function health(e: KnownEntity): { label: string; tone: string } {
  if (e.up === true) return { label: 'up', tone: 'good' };
  if (e.up === false) return { label: 'down', tone: 'bad' };
  return { label: 'no health sensor', tone: 'none' };
}

interface Controls {
  readonly opened: Opened | undefined;
  readonly open: (id: string) => void;
  readonly next: (id: string) => void;
  readonly first: (id: string) => void;
  readonly close: (id: string) => void;
}

/** The buttons that open, close or page through an entity's children (none while filtering, or for a leaf). */
function ChildrenButtons({ e, controls }: { e: KnownEntity; controls: Controls }) {
  const { opened } = controls;
  const count = e.childCount ?? 0;
  if (!opened || 'children' in e && e.children !== undefined || count === 0) return null;
  const page = opened.get(e.id);
  if (!page) return <button type="button" class="small" aria-label={`Open ${e.id}: ${count} children`} onClick={() => controls.open(e.id)}>open {count} children</button>;
  const range = page.items.length === count ? `${count} children` : `children ${page.offset + 1}–${page.offset + page.items.length} of ${count}`;
  return (
    <>
      <span class="muted" data-testid={`window-${e.id}`}>{range}</span>
      <button type="button" class="small" aria-label={`Close ${e.id}`} onClick={() => controls.close(e.id)}>close</button>
      {page.offset > 0 && <button type="button" class="small" aria-label={`First children of ${e.id}`} onClick={() => controls.first(e.id)}>first</button>}
      {page.next !== undefined && <button type="button" class="small" aria-label={`Next children of ${e.id}`} onClick={() => controls.next(e.id)}>next {OPEN_PAGE}</button>}
    </>
  );
}

function Node({ row, depth, controls }: { row: Row; depth: number; controls: Controls }) {
  const { e } = row;
  const h = health(e);
  return (
    <li data-entity={e.id} data-depth={depth}>
      <div class="node">
        <a href={href('entity', e.id)}>{e.id}</a>
        <span class="muted type">{e.type}</span>
        <span class={`badge state-${e.state}`}>{e.state}</span>
        <span class={`badge tone-${h.tone}`} title="service.up">{h.label}</span>
        {e.members.length > 0 && <span class="muted">{e.members.length} members</span>}
        <ChildrenButtons e={e} controls={controls} />
      </div>
      {row.children.length > 0 && (
        <ul>{row.children.map((c) => <Node key={c.e.id} row={c} depth={depth + 1} controls={controls} />)}</ul>
      )}
    </li>
  );
}

/** What the filter searched: the walk of every entity, while under way and once done. */
function searchStatus(index: IndexState | undefined): string {
  if (!index) return 'searching every entity…';
  if (index.error !== undefined) return `searched ${index.entities.length} entities, then the API failed: ${index.error}`;
  if (!index.done) return `searching every entity: ${index.entities.length} read so far…`;
  if (index.truncated) return `searched the first ${INDEX_MAX} entities only`;
  return `searched all ${index.entities.length} entities`;
}

/**
 * The entity tree with state and health, a filter, and live refresh. Nested lists of links (not an ARIA
 * tree widget, which would need arrow-key handling): Tab walks the entities in order.
 *
 * What the API's bounded first answer holds is shown; an entity it did not expand (`childCount`) opens a
 * page of its children at a time; the filter searches every entity, read page by page in the background.
 */
export function TreeView({ session, live }: { session: Session; live: LiveFeed }) {
  useLive(live);
  // one bounded tree per root of the session's view (its scopes, or the tree's root), in their order
  const [trees, setTrees] = useState<readonly EntitySummary[] | undefined>();
  const [opened, setOpened] = useState<Opened>(new Map());
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  const [updated, setUpdated] = useState('');
  const [indexState, setIndexState] = useState<IndexState | undefined>();
  const openedNow = useRef(opened);
  openedNow.current = opened;
  // each root is opened for the user once (a first answer of the root alone shows nothing); closed, it stays so
  const rootsOpened = useRef(new Set<string>());
  const index = useMemo(() => new EntityIndex(session.roots, (s) => setIndexState({ ...s })), [session.roots]);
  useEffect(() => () => index.stop(), [index]);

  // windows read again by a refresh replace those still open at the same place (one closed or moved
  // meanwhile is left as the user made it); the first page of a root's children is added
  const merge = (refreshed: ReadonlyMap<string, OpenedChildren>, added: ReadonlyMap<string, OpenedChildren>, gone: ReadonlySet<string>) => setOpened((before) => {
    const after = new Map(before);
    for (const id of gone) after.delete(id);
    for (const [id, page] of refreshed) if (before.has(id) && before.get(id)?.from === page.from) after.set(id, page);
    for (const [id, page] of added) after.set(id, page);
    return after;
  });
  useRefresh(async () => {
    try {
      // one read after the other, so that a stalled API holds one request of this view, not one per root or opened entity
      const read: EntitySummary[] = [];
      const added = new Map<string, OpenedChildren>();
      for (const root of session.roots) {
        const tree = await readTree(root, MAX_TREE_ROWS);
        read.push(tree);
        if (!rootsOpened.current.has(root)) {
          rootsOpened.current.add(root);
          if (tree.children === undefined && (tree.childCount ?? 0) > 0) added.set(tree.id, await readChildren(tree.id, OPEN_PAGE));
        }
      }
      const refreshed = new Map<string, OpenedChildren>();
      const gone = new Set<string>();
      const reachable = reachableOpened(read, new Map([...openedNow.current, ...added]));
      for (const [id, page] of openedNow.current) {
        // one under an entity closed or paged past is read no more, and closed
        if (!reachable.has(id)) {
          gone.add(id);
          continue;
        }
        try {
          refreshed.set(id, await readChildren(id, OPEN_PAGE, page.from, page.offset));
        } catch (e) {
          // an opened entity that left the tree (or the scope) is closed; any other failure fails the read
          if (!(e instanceof ApiFailure) || (e.status !== 404 && e.status !== 403)) throw e;
          gone.add(id);
        }
      }
      setTrees(read);
      merge(refreshed, added, gone);
      setError(undefined);
      setUpdated(new Date().toLocaleTimeString());
    } catch (e) {
      setError((e as Error).message);
    }
  }, REFRESH_MS, [session.roots]);

  const show = (reading: Promise<OpenedChildren>, id: string): void => void reading.then((page) => setOpened((o) => new Map(o).set(id, page)), (e: Error) => setError(e.message));
  const controls: Controls = {
    opened,
    open: (id) => show(readChildren(id, OPEN_PAGE), id),
    next: (id) => {
      const page = opened.get(id);
      if (page?.next !== undefined) show(readChildren(id, OPEN_PAGE, page.next, page.offset + page.items.length), id);
    },
    first: (id) => show(readChildren(id, OPEN_PAGE), id),
    close: (id) => setOpened((o) => {
      const after = new Map(o);
      after.delete(id);
      return after;
    }),
  };

  const needle = filter.trim().toLowerCase();
  useEffect(() => void (needle && index.ensure()), [needle, index]);
  // computed again only when what it is made of changes, not at every event of the live stream (a filter over
  // 100 000 entities goes through all of them)
  const rows = useMemo(
    () => (needle ? filteredRows(trees ?? [], opened, indexState?.entities ?? [], needle, MAX_TREE_ROWS) : trees ? loadedRows(trees, opened, MAX_TREE_ROWS) : undefined),
    [needle, trees, opened, indexState],
  );
  const shownControls: Controls = needle ? { ...controls, opened: undefined } : controls;
  return (
    <section aria-labelledby="tree-title">
      <div class="bar">
        <h1 id="tree-title">Entities</h1>
        <div class="field inline">
          <label for="tree-filter">Filter</label>
          <input id="tree-filter" type="search" placeholder="id, type or state" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <span class="muted" aria-live="polite">stream {live.state}{updated ? `, tree read ${updated}` : ''}</span>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {needle && <p class="muted" role="status" data-testid="search-status">{searchStatus(indexState)}</p>}
      {session.missing.length > 0 && <p class="muted" data-testid="missing-roots">Your token also names {session.missing.join(', ')}: not in the tree now.</p>}
      {session.roots.length === 0 && <p class="muted">Your token sees no entity.</p>}
      {trees && trees.length > 0 && rows && rows.shown === 0 && <p class="muted">No entity matches “{filter}”.</p>}
      {rows && rows.top.length > 0 && <ul class="tree" aria-label="Entity tree">{rows.top.map((r) => <Node key={r.e.id} row={r} depth={1} controls={shownControls} />)}</ul>}
      {rows && rows.left > 0 && <p class="muted" role="status">{rows.left} more {needle ? 'matching ' : 'loaded '}entities are not shown (at most {MAX_TREE_ROWS} at once): {needle ? 'make the filter narrower' : 'type in the filter to find one'}.</p>}
      {rows && rows.notLoaded > 0 && <p class="muted" role="status">{rows.notLoaded} more entities (and what is under them) are not loaded: open an entity to see its children a page at a time, or type in the filter to find one.</p>}
    </section>
  );
}
