import { useEffect, useMemo, useState } from 'preact/hooks';
import { AncestryLookup } from '../entity-ancestry.js';
import { useLive, type LiveFeed } from '../live.js';
import { href, type Route } from '../route.js';
import { OUTCOMES, type Decision } from '../types.js';

/** Orders ancestries as the tree is walked from its root: a parent before its children, siblings by id. */
function comparePaths(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const order = (a[i] as string).localeCompare(b[i] as string);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

/** One decision as a row: time, policy, outcome, reason, inputs, actions and phase durations. */
export function DecisionRow({ d }: { d: Decision }) {
  const total = d.durations.analyzeMs + d.durations.planMs + d.durations.executeMs;
  return (
    <li class="decision" data-decision={d.id} data-outcome={d.outcome}>
      <div class="line">
        <time dateTime={new Date(d.at).toISOString()}>{new Date(d.at).toLocaleTimeString()}</time>
        <span class={`badge outcome outcome-${d.outcome}`}>{d.outcome}{(d.count ?? 1) > 1 ? ` ×${d.count}` : ''}</span>
        <a href={href('decision', d.id)}>{d.policy}</a>
        <span class="muted">on {d.entity}</span>
      </div>
      <p class="reason">{d.reason}</p>
      {d.actions.length > 0 && <p class="muted">actions: {d.actions.map((a) => `${a.effector}(${a.entity}${a.params === undefined ? '' : ` ${JSON.stringify(a.params)}`})`).join(', ')}</p>}
      <p class="muted small">
        inputs: {d.inputs.slice(0, 4).map((o) => `${o.sensor}=${typeof o.value === 'number' ? Number(o.value.toFixed(3)) : JSON.stringify(o.value)}`).join(', ')}{d.inputs.length > 4 ? ` +${d.inputs.length - 4}` : ''}
        {' · '}analyze {d.durations.analyzeMs.toFixed(1)} ms, plan {d.durations.planMs.toFixed(1)} ms, execute {d.durations.executeMs.toFixed(1)} ms ({total.toFixed(1)} ms)
      </p>
    </li>
  );
}

/** Live decisions, filterable by subtree, policy and outcome, with a pause that resumes where it stopped. */
export function DecisionsView({ live, route, roots }: { live: LiveFeed; route: Route; roots: readonly string[] }) {
  useLive(live);
  const [, setPlaced] = useState(0);
  const ancestry = useMemo(() => new AncestryLookup(roots, () => setPlaced((n) => n + 1)), [roots]);
  useEffect(() => () => ancestry.stop(), [ancestry]);
  const subtree = route.query.get('subtree') ?? '';
  const policy = route.query.get('policy') ?? '';
  const outcome = route.query.get('outcome') ?? '';
  const set = (key: string, value: string) => {
    location.hash = href('decisions', '', { subtree, policy, outcome, [key]: value });
  };
  const all = live.list();
  const policies = [...new Set(all.map((d) => d.policy))].sort();
  // the subtrees worth filtering by: those with decisions, and what they are in, in the order of their paths
  // (each entity's ancestry is asked of the API once: decisions name their entity only); a tree of 50 000
  // entities made a list of 50 000 options that took the page 11 s to show
  const entities = new Set(all.map((d) => d.entity));
  useEffect(() => ancestry.want(entities), [ancestry, [...entities].join('\n')]);
  const chains = new Map<string, readonly string[]>();
  for (const id of entities) for (const [at, above] of ancestry.chainOf(id).entries()) chains.set(above, ancestry.chainOf(id).slice(0, at + 1));
  if (subtree && !chains.has(subtree)) chains.set(subtree, [subtree]);
  const subtrees = [...chains.entries()].sort(([, a], [, b]) => comparePaths(a, b)).map(([id]) => id);
  const shown = all.filter((d) => (!subtree || ancestry.chainOf(d.entity).includes(subtree)) && (!policy || d.policy === policy) && (!outcome || d.outcome === outcome)).slice(0, 300);
  const paused = live.state === 'paused';
  return (
    <section aria-labelledby="decisions-title">
      <div class="bar">
        <h1 id="decisions-title">Decisions</h1>
        <span class={`badge stream-${live.state}`} role="status" data-testid="stream-state" data-events={live.received}>stream {live.state}</span>
        <button type="button" onClick={() => (paused ? live.resume() : live.pause())}>{paused ? 'Resume live' : 'Pause live'}</button>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="f-subtree">Subtree</label>
          <select id="f-subtree" value={subtree} onChange={(e) => set('subtree', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">all</option>
            {subtrees.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="f-policy">Policy</label>
          <select id="f-policy" value={policy} onChange={(e) => set('policy', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">all</option>
            {[...new Set([...policies, ...(policy ? [policy] : [])])].map((p) => <option key={p} value={p}>{p}</option>)}
          </select>
        </div>
        <div class="field">
          <label for="f-outcome">Outcome</label>
          <select id="f-outcome" value={outcome} onChange={(e) => set('outcome', (e.currentTarget as HTMLSelectElement).value)}>
            <option value="">all</option>
            {OUTCOMES.map((o) => <option key={o} value={o}>{o}</option>)}
          </select>
        </div>
      </form>
      <p class="muted" aria-live="polite">{shown.length} of {all.length} decisions shown{all.length >= live.decisions.capacity ? ` (the newest ${live.decisions.capacity} are kept here)` : ''}</p>
      <ol class="decisions" aria-label="Decisions, newest first">{shown.map((d) => <DecisionRow key={d.id} d={d} />)}</ol>
    </section>
  );
}
