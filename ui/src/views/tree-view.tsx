import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLive, type LiveFeed } from '../live.js';
import { useRefresh } from '../refresh.js';
import { href } from '../route.js';
import type { Session } from '../session.js';
import type { EntitySummary } from '../types.js';

/** How often the tree is read again (ms): states and health change without decisions. */
const REFRESH_MS = 3000;

/**
 * The most entities shown at once: a tree of 50 000 made a page of 300 000 elements whose every refresh held
 * the browser for seconds. The filter finds the others.
 */
export const MAX_TREE_ROWS = 400;

function matches(e: EntitySummary, needle: string): boolean {
  return needle === '' || `${e.id} ${e.type} ${e.state}`.toLowerCase().includes(needle);
}

/** Entities to show: those that match and the ancestors of those that match. */
function visible(e: EntitySummary, needle: string, out: Set<string>): boolean {
  let any = matches(e, needle);
  for (const c of e.children ?? []) if (visible(c, needle, out)) any = true;
  if (any) out.add(e.id);
  return any;
}

/** The first `max` entities of `show` in tree order (an ancestor before what is under it). */
function firstShown(e: EntitySummary, show: ReadonlySet<string>, max: number, out = new Set<string>()): Set<string> {
  if (out.size >= max || !show.has(e.id)) return out;
  out.add(e.id);
  for (const c of e.children ?? []) firstShown(c, show, max, out);
  return out;
}

function health(e: EntitySummary): { label: string; tone: string } {
  if (e.up === true) return { label: 'up', tone: 'good' };
  if (e.up === false) return { label: 'down', tone: 'bad' };
  return { label: 'no health sensor', tone: 'none' };
}

function Node({ e, show, depth }: { e: EntitySummary; show: Set<string>; depth: number }) {
  if (!show.has(e.id)) return null;
  const h = health(e);
  return (
    <li data-entity={e.id} data-depth={depth}>
      <div class="node">
        <a href={href('entity', e.id)}>{e.id}</a>
        <span class="muted type">{e.type}</span>
        <span class={`badge state-${e.state}`}>{e.state}</span>
        <span class={`badge tone-${h.tone}`} title="service.up">{h.label}</span>
        {e.members.length > 0 && <span class="muted">{e.members.length} members</span>}
      </div>
      {e.children && e.children.length > 0 && (
        <ul>{e.children.map((c) => <Node key={c.id} e={c} show={show} depth={depth + 1} />)}</ul>
      )}
    </li>
  );
}

/**
 * The entity tree with state and health, a filter, and live refresh. Nested lists of links (not an ARIA
 * tree widget, which would need arrow-key handling): Tab walks the entities in order.
 */
export function TreeView({ session, live }: { session: Session; live: LiveFeed }) {
  useLive(live);
  const [tree, setTree] = useState<EntitySummary | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  const [updated, setUpdated] = useState('');
  useRefresh(() => api<EntitySummary>('GET', `/entities?root=${encodeURIComponent(session.root)}`).then(
    (t) => (setTree(t), setError(undefined), setUpdated(new Date().toLocaleTimeString())),
    (e: Error) => setError(e.message),
  ), REFRESH_MS, [session.root]);
  const needle = filter.trim().toLowerCase();
  const matching = new Set<string>();
  if (tree) visible(tree, needle, matching);
  const show = tree ? firstShown(tree, matching, MAX_TREE_ROWS) : matching;
  const left = matching.size - show.size;
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
      {tree && show.size === 0 && <p class="muted">No entity matches “{filter}”.</p>}
      {tree && <ul class="tree" aria-label="Entity tree"><Node e={tree} show={show} depth={1} /></ul>}
      {left > 0 && <p class="muted" role="status">{left} {needle ? 'more matching ' : ''}entities are not shown (at most {MAX_TREE_ROWS} at once): type in the filter to find one.</p>}
    </section>
  );
}
