import { useEffect, useState } from 'preact/hooks';
import { api, API_TIMEOUT_MS, seg } from '../api.js';
import type { LiveFeed } from '../live.js';
import { fmt, Sparkline } from '../parts/sparkline.js';
import { SchemaForm } from '../parts/schema-form.js';
import { useRefresh } from '../refresh.js';
import { href } from '../route.js';
import { can, type Session } from '../session.js';
import type { EntityDetail, Observation, SensorView } from '../types.js';
import { PolicyCard } from './policy-card.js';

const REFRESH_MS = 5000;
const HISTORY = 60;
/** How long an invocation is waited for before the API answers 202 (running): well within the console's own timeout. */
const INVOKE_WAIT_MS = API_TIMEOUT_MS / 2;

function show(value: unknown, unit: string | null): string {
  if (value === null || value === undefined) return '—';
  const text = typeof value === 'number' ? fmt(value) : typeof value === 'string' ? value : JSON.stringify(value);
  return unit ? `${text} ${unit}` : text;
}

/** A reading as a point of the sparkline: numbers as they are, booleans as 1 and 0. */
function numeric(value: unknown): number | undefined {
  return typeof value === 'number' ? value : typeof value === 'boolean' ? Number(value) : undefined;
}

function age(at: number | null, now: number): string {
  if (at === null) return 'never';
  const s = Math.max(0, Math.round((now - at) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** One entity: sensors (value, staleness, sparkline), effectors (generated forms) and policies. */
export function EntityView({ id, session, live }: { id: string; session: Session; live: LiveFeed }) {
  const [entity, setEntity] = useState<EntityDetail | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [history, setHistory] = useState<Record<string, number[]>>({});
  const [latest, setLatest] = useState<Record<string, Observation>>({});
  const [now, setNow] = useState(Date.now());
  const load = () => api<EntityDetail>('GET', `/entities/${seg(id)}`).then((e) => (setEntity(e), setError(undefined), setNow(Date.now())), (e: Error) => setError(e.message));

  useRefresh(load, REFRESH_MS, [id]);
  useEffect(() => {
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    const off = live.onSensor((o) => {
      if (o.entity !== id) return;
      setLatest((l) => ({ ...l, [o.sensor]: o }));
      const n = numeric(o.value);
      if (n !== undefined) setHistory((h) => ({ ...h, [o.sensor]: [...(h[o.sensor] ?? []), n].slice(-HISTORY) }));
    });
    return () => (window.clearInterval(tick), off());
  }, [id]);

  // history once per sensor when the entity is first read; the stream appends after that
  const sensorNames = entity?.sensors.map((s) => s.name).join(',') ?? '';
  useEffect(() => {
    for (const s of entity?.sensors ?? []) {
      void api<{ readings: Observation[] }>('GET', `/entities/${seg(id)}/sensors/${seg(s.name)}/history`).then((r) => {
        const values = r.readings.map((o) => numeric(o.value)).filter((v): v is number => v !== undefined);
        setHistory((h) => ({ ...h, [s.name]: [...values, ...(h[s.name] ?? [])].slice(-HISTORY) }));
      }, () => undefined);
    }
  }, [id, sensorNames]);

  if (error) return <section><h1>{id}</h1><p class="error" role="alert">{error}</p></section>;
  if (!entity) return <p aria-busy="true">Loading {id}…</p>;
  const current = (s: SensorView) => {
    const o = latest[s.name];
    return o && (s.at === null || o.at >= s.at) ? { value: o.value, at: o.at } : { value: s.value, at: s.at };
  };
  const isStale = (s: SensorView, at: number | null) => s.stale || (s.staleAfterMs !== null && at !== null && now - at > s.staleAfterMs);
  return (
    <section aria-labelledby="entity-title" class="entity">
      <nav aria-label="Breadcrumb" class="muted">
        <a href={href('tree')}>Tree</a>{entity.parent && <> / <a href={href('entity', entity.parent)}>{entity.parent}</a></>} / {entity.id}
      </nav>
      <h1 id="entity-title">{entity.id} <span class="muted type">{entity.type}</span> <span class={`badge state-${entity.state}`}>{entity.state}</span></h1>
      {entity.children.length > 0 && <p>Children: {entity.children.map((c, i) => <>{i > 0 && ', '}<a key={c} href={href('entity', c)}>{c}</a></>)}</p>}
      {entity.members.length > 0 && <p>Members: {entity.members.join(', ')}</p>}
      <p><a href={href('decisions', '', { subtree: entity.id })}>Decisions in this subtree</a></p>

      <h2>Sensors</h2>
      {entity.sensors.length === 0 ? <p class="muted">No sensors.</p> : (
        <div class="table-wrap"><table class="sensors">
          <thead><tr><th scope="col">Sensor</th><th scope="col">Value</th><th scope="col">Read</th><th scope="col">Recent</th></tr></thead>
          <tbody>{entity.sensors.map((s) => {
            const c = current(s);
            const stale = isStale(s, c.at);
            // no reading since the start: what the service kept when it last stopped, shown as such, never as current
            const stored = c.at === null ? s.stored ?? undefined : undefined;
            return (
              <tr key={s.name} data-sensor={s.name}>
                <th scope="row">{s.name}</th>
                <td class="value">{stored ? <span class="muted stored" title="kept when the service last stopped; no reading since it started">{show(stored.value, s.unit)}</span> : show(c.value, s.unit)}</td>
                <td>{stored ? <>{age(stored.at, now)} <span class="badge tone-none">before restart</span></> : age(c.at, now)} {stale && <span class="badge tone-bad">stale</span>}{s.rejected > 0 && <span class="badge tone-warn">{s.rejected} rejected</span>}</td>
                <td><Sparkline values={history[s.name] ?? []} label={s.name} /></td>
              </tr>
            );
          })}</tbody>
        </table></div>
      )}

      <div class="columns">
      <div>
      <h2>Effectors</h2>
      {entity.effectors.length === 0 && <p class="muted">No effectors.</p>}
      {entity.effectors.map((e) => (
        <article class="card" key={e.name} data-effector={e.name}>
          <h3>{e.name}{e.idempotent && <span class="muted"> (idempotent)</span>}</h3>
          {e.description && <p class="muted">{e.description}</p>}
          {can(session, 'operator') ? (
            <details>
              <summary>Invoke {e.name}</summary>
              <SchemaForm id={`effector-${e.name}`} schema={e.params} submitLabel={`Invoke ${e.name}`}
                confirmText={() => `Invoke ${e.name} on ${entity.id}? This acts on the system and is audited.`}
                onSubmit={async (params) => {
                  const r = await api<{ invocation: string; status: string; result?: unknown; error?: string }>('POST', `/entities/${seg(entity.id)}/effectors/${seg(e.name)}?wait=${INVOKE_WAIT_MS}`, params);
                  void load();
                  return r.status === 'running' ? `${e.name} is running (invocation ${r.invocation})` : `${e.name} ${r.status}${r.result === undefined ? '' : `: ${JSON.stringify(r.result)}`}`;
                }} />
            </details>
          ) : <p class="muted">Parameters: {Object.keys(e.params.properties ?? {}).join(', ') || 'none'}</p>}
        </article>
      ))}

      </div>
      <div>
      <h2>Policies</h2>
      {entity.policies.length === 0 && <p class="muted">No policies attached here.</p>}
      {entity.policies.map((p) => <PolicyCard key={p.id} policy={p} session={session} onChange={() => void load()} />)}
      </div>
      </div>
    </section>
  );
}
