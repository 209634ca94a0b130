import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useRefresh } from '../refresh.js';
import type { AuditEntry } from '../types.js';

function who(e: AuditEntry): string {
  return `${e.who.kind} ${e.who.name ?? e.who.policy ?? ''}`.trim();
}

/** The audit log within the session's scope, newest first, with a text filter. */
export function AuditView() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  const load = () => api<AuditEntry[]>('GET', '/audit?limit=500').then((e) => (setEntries(e), setError(undefined)), (e: Error) => setError(e.message));
  useRefresh(load, 5000, []);
  const needle = filter.trim().toLowerCase();
  const shown = entries.filter((e) => !needle || `${who(e)} ${e.action} ${e.target} ${e.result}`.toLowerCase().includes(needle));
  return (
    <section aria-labelledby="audit-title">
      <div class="bar">
        <h1 id="audit-title">Audit log</h1>
        <div class="field inline">
          <label for="audit-filter">Filter</label>
          <input id="audit-filter" type="search" placeholder="who, action, target, result" value={filter} onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)} />
        </div>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="table-wrap"><table class="audit stack">
        <caption class="muted">{shown.length} entries, newest first</caption>
        <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Result</th><th scope="col">Params</th></tr></thead>
        <tbody>{shown.map((e) => (
          <tr key={e.seq} data-audit={e.action}>
            <td><time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleTimeString()}</time></td>
            <td>{who(e)}</td>
            <td>{e.action}</td>
            <td>{e.target}</td>
            <td><span class={`badge result-${e.result}`}>{e.result}</span>{e.detail && <span class="muted"> {e.detail}</span>}</td>
            <td><code>{e.params === undefined ? '' : JSON.stringify(e.params)}</code></td>
          </tr>
        ))}</tbody>
      </table></div>
    </section>
  );
}
