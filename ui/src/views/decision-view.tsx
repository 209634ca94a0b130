import { useEffect, useState } from 'preact/hooks';
import { api, ApiFailure, seg } from '../api.js';
import type { LiveFeed } from '../live.js';
import { href } from '../route.js';
import { can, type Session } from '../session.js';
import type { AuditEntry, Decision } from '../types.js';

const TRACE_KEY = 'homeostat.traceUrl';

/** How far apart a decision and the audit record of one of its invocations may be (ms). */
const MATCH_WINDOW_MS = 60_000;

/**
 * The audit records of a decision's invocations: for each action, the invocation by that policy of that
 * effector on that entity with those params that is nearest in time to the decision (the API links them by
 * these fields, not by id).
 */
export function invocationsOf(decision: Decision, entries: readonly AuditEntry[]): AuditEntry[] {
  const found: AuditEntry[] = [];
  for (const action of decision.actions) {
    const params = JSON.stringify(action.params ?? {});
    let best: AuditEntry | undefined;
    for (const e of entries) {
      if (e.who.kind !== 'policy' || e.who.name !== decision.policy || e.action !== `invoke ${action.effector}` || e.target !== action.entity) continue;
      if (JSON.stringify(e.params ?? {}) !== params || Math.abs(e.at - decision.at) > MATCH_WINDOW_MS || found.includes(e)) continue;
      if (!best || Math.abs(e.at - decision.at) < Math.abs(best.at - decision.at)) best = e;
    }
    if (best) found.push(best);
  }
  return found;
}

/** One decision in full: reason, inputs, actions, the invocation records (from the audit log) and its trace. */
export function DecisionView({ id, session, live }: { id: string; session: Session; live: LiveFeed }) {
  const [decision, setDecision] = useState<Decision | undefined>(live.decisions.get(id));
  const [error, setError] = useState<string | undefined>();
  const [records, setRecords] = useState<AuditEntry[] | undefined>();
  const [traceUrl, setTraceUrl] = useState(localStorage.getItem(TRACE_KEY) ?? '');
  useEffect(() => void api<Decision>('GET', `/decisions/${seg(id)}`).then(setDecision, (e: Error) => setError(e.message)), [id]);
  useEffect(() => {
    if (!decision || !can(session, 'operator')) return;
    void api<AuditEntry[]>('GET', '/audit?limit=2000').then((entries) => setRecords(invocationsOf(decision, entries)), (e: unknown) => e instanceof ApiFailure && setRecords([]));
  }, [decision?.id]);
  if (error) return <section><h1>Decision {id}</h1><p class="error" role="alert">{error}</p></section>;
  if (!decision) return <p aria-busy="true">Loading…</p>;
  const d = decision;
  const link = d.traceId && traceUrl.includes('{traceId}') ? traceUrl.replace('{traceId}', encodeURIComponent(d.traceId)) : undefined;
  return (
    <section aria-labelledby="decision-title" class="decision-detail">
      <nav aria-label="Breadcrumb" class="muted"><a href={href('decisions')}>Decisions</a> / {d.id}</nav>
      <h1 id="decision-title">{d.policy} <span class={`badge outcome outcome-${d.outcome}`}>{d.outcome}</span></h1>
      <p class="reason">{d.reason}</p>
      <dl class="facts">
        <dt>When</dt><dd>{new Date(d.at).toLocaleString()}{(d.count ?? 1) > 1 ? ` (and ${(d.count ?? 1) - 1} more like it)` : ''}</dd>
        <dt>Entity</dt><dd><a href={href('entity', d.entity)}>{d.entity}</a></dd>
        <dt>Symptom</dt><dd>{d.symptom.kind}{d.symptom.detail === undefined ? '' : ` ${JSON.stringify(d.symptom.detail)}`}</dd>
        {d.detail && <><dt>Detail</dt><dd>{d.detail}</dd></>}
        {d.error && <><dt>Error</dt><dd class="error">{d.error.code}: {d.error.message}</dd></>}
        <dt>Durations</dt><dd>analyze {d.durations.analyzeMs.toFixed(2)} ms, plan {d.durations.planMs.toFixed(2)} ms, execute {d.durations.executeMs.toFixed(2)} ms</dd>
        <dt>Trace</dt><dd>{d.traceId ? (link ? <a href={link} rel="noreferrer" target="_blank">{d.traceId}</a> : <code data-testid="trace-id">{d.traceId}</code>) : <span class="muted">none (tracing is off)</span>}</dd>
      </dl>
      {d.traceId && (
        <div class="field inline">
          <label for="trace-url">Trace link</label>
          <input id="trace-url" type="url" placeholder="…/trace/{traceId}" aria-describedby="trace-url-hint" value={traceUrl}
            onChange={(e) => { const v = (e.currentTarget as HTMLInputElement).value; setTraceUrl(v); localStorage.setItem(TRACE_KEY, v); }} />
          <small id="trace-url-hint" class="hint">your tracing UI's address of a trace, with {'{traceId}'} where the id goes (kept in this browser)</small>
        </div>
      )}
      <h2>Inputs</h2>
      {d.inputs.length === 0 ? <p class="muted">None.</p> : <ul>{d.inputs.map((o, i) => <li key={i}>{o.entity}.{o.sensor} = {JSON.stringify(o.value)} <span class="muted">at {new Date(o.at).toLocaleTimeString()}</span></li>)}</ul>}
      <h2>Actions</h2>
      {d.actions.length === 0 ? <p class="muted">None.</p> : <ol>{d.actions.map((a, i) => <li key={i}><code>{a.effector}</code> on <a href={href('entity', a.entity)}>{a.entity}</a>{a.params === undefined ? '' : <> with <code>{JSON.stringify(a.params)}</code></>}</li>)}</ol>}
      <h2>Invocation records</h2>
      {!can(session, 'operator') ? <p class="muted">Invocation records are in the audit log, which operators can read.</p>
        : records === undefined ? <p class="muted">Loading…</p>
        : records.length === 0 ? <p class="muted">No invocation of this decision is in the audit log{d.outcome === 'applied' ? ' (yet)' : ' (nothing was executed)'}.</p>
        : <ul>{records.map((r) => <li key={r.seq} data-record={r.seq}>{new Date(r.at).toLocaleTimeString()} {r.action} on {r.target}: <span class={`badge result-${r.result}`}>{r.result}</span>{r.params === undefined ? '' : <> <code>{JSON.stringify(r.params)}</code></>}{r.detail ? ` (${r.detail})` : ''}</li>)}</ul>}
    </section>
  );
}
