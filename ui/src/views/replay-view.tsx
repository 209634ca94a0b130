import { useState } from 'preact/hooks';
import { fmt } from '../parts/sparkline.js';

interface TimelineRow {
  readonly at: number;
  readonly policy: string;
  readonly outcome: string;
  readonly actions: string;
  readonly reason: string;
  readonly detail?: string;
}

/** The parts of a `homeostat simulate --json` report the replay view reads. */
export interface SimulationReport {
  readonly blueprint: string;
  readonly trace: string;
  readonly seed: number;
  readonly simulatedSeconds: number;
  readonly warmupSeconds?: number;
  readonly decisions: { readonly total: number; readonly byPolicy: Record<string, Record<string, number>> };
  readonly systems: ReadonlyArray<{ readonly entity: string; readonly swim: Record<string, number>; readonly elasticity: Record<string, number> | null; readonly scoredPeriods?: number }>;
  readonly faults: ReadonlyArray<{ readonly entity: string; readonly at: number }>;
  readonly timeline: readonly TimelineRow[];
}

/** Checks that a parsed file is a simulate report; says what is missing when it is not. */
export function asReport(value: unknown): SimulationReport {
  const r = value as Partial<SimulationReport> | null;
  if (typeof r !== 'object' || r === null) throw new Error('the file is not a JSON object');
  const missing = ['blueprint', 'simulatedSeconds', 'decisions', 'systems', 'faults', 'timeline'].filter((k) => !(k in r));
  if (missing.length > 0) throw new Error(`not a simulate --json report: missing ${missing.join(', ')}`);
  if (!Array.isArray(r.timeline)) throw new Error('not a simulate --json report: timeline is not a list');
  return r as SimulationReport;
}

const COLORS: Record<string, string> = { applied: '#1a7f37', dry_run: '#0b5cad', failed: '#b42318', suspended: '#8a5a00', skipped_cooldown: '#6b6b6b' };
const color = (outcome: string) => COLORS[outcome] ?? '#5b3e96';

/** Decisions in lanes per policy over simulated time, faults as red lines, and the running total of actions. */
function Chart({ report, selected, onSelect }: { report: SimulationReport; selected: number | undefined; onSelect: (i: number) => void }) {
  const policies = [...new Set(report.timeline.map((t) => t.policy))];
  const width = 900;
  const lane = 26;
  const left = 150;
  const top = 20;
  const height = top + policies.length * lane + 70;
  const end = Math.max(report.simulatedSeconds, ...report.timeline.map((t) => t.at), 1);
  const x = (s: number) => left + (s / end) * (width - left - 10);
  let acted = 0;
  const steps = report.timeline.map((t) => [t.at, t.actions ? ++acted : acted] as const);
  const maxActed = Math.max(acted, 1);
  const base = top + policies.length * lane + 50;
  const line = [[0, 0] as const, ...steps].map(([s, n]) => `${x(s).toFixed(1)},${(base - (n / maxActed) * 40).toFixed(1)}`).join(' ');
  return (
    <svg class="replay-chart" viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby="chart-title chart-desc">
      <title id="chart-title">Decisions over simulated time</title>
      <desc id="chart-desc">{`${report.timeline.length} decisions by ${policies.length} policies over ${fmt(end)} s, ${report.faults.length} faults, ${acted} decisions with actions.`}</desc>
      {policies.map((p, i) => (
        <g key={p}>
          <text x={left - 8} y={top + i * lane + lane / 2 + 4} text-anchor="end" class="lane-label">{p}</text>
          <line x1={left} x2={width - 10} y1={top + i * lane + lane / 2} y2={top + i * lane + lane / 2} class="lane" />
        </g>
      ))}
      {report.faults.map((f, i) => <line key={`f${i}`} x1={x(f.at)} x2={x(f.at)} y1={top - 8} y2={base} class="fault"><title>{`fault on ${f.entity} at ${fmt(f.at)} s`}</title></line>)}
      {report.timeline.map((t, i) => (
        <circle key={i} cx={x(t.at)} cy={top + policies.indexOf(t.policy) * lane + lane / 2} r={selected === i ? 7 : 4.5} fill={color(t.outcome)}
          class={selected === i ? 'dot selected' : 'dot'} onClick={() => onSelect(i)}>
          <title>{`${fmt(t.at)} s ${t.policy} ${t.outcome}: ${t.reason}`}</title>
        </circle>
      ))}
      <polyline points={line} fill="none" class="acted" />
      <text x={left - 8} y={base - 16} text-anchor="end" class="lane-label">actions ({acted})</text>
      <text x={left} y={height - 4} class="axis">0 s</text>
      <text x={width - 10} y={height - 4} text-anchor="end" class="axis">{fmt(end)} s</text>
    </svg>
  );
}

function Swatch({ fill }: { fill: string }) {
  return <svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" fill={fill} /></svg>;
}

/** Loads a `simulate --json` report from a file and shows its chart and decision timeline together. */
export function ReplayView() {
  const [report, setReport] = useState<SimulationReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [selected, setSelected] = useState<number | undefined>();
  const [outcome, setOutcome] = useState('');
  const load = async (file: File | undefined) => {
    if (!file) return;
    try {
      setReport(asReport(JSON.parse(await file.text())));
      setError(undefined);
      setSelected(undefined);
    } catch (e) {
      setReport(undefined);
      setError(`${file.name}: ${(e as Error).message}`);
    }
  };
  const select = (i: number) => {
    setSelected(i);
    setOutcome('');
    window.setTimeout(() => document.getElementById(`row-${i}`)?.scrollIntoView({ block: 'nearest' }), 0);
  };
  const outcomes = report ? [...new Set(report.timeline.map((t) => t.outcome))] : [];
  return (
    <section aria-labelledby="replay-title">
      <h1 id="replay-title">Replay a simulation</h1>
      <div class="field">
        <label for="report-file">Report (the output of <code>homeostat simulate … --json</code>)</label>
        <input id="report-file" type="file" accept="application/json,.json" onChange={(e) => void load((e.currentTarget as HTMLInputElement).files?.[0])} />
      </div>
      {error && <p class="error" role="alert">{error}</p>}
      {report && (
        <>
          <p data-testid="replay-summary">{report.blueprint} on {report.trace}, seed {report.seed}: {fmt(report.simulatedSeconds)} simulated seconds, {report.decisions.total} decisions, {report.faults.length} faults.</p>
          <div class="chart-wrap"><Chart report={report} selected={selected} onSelect={select} /></div>
          <ul class="legend" aria-label="Legend">{[...Object.keys(COLORS), 'other'].map((o) => <li key={o}><Swatch fill={color(o)} />{o}</li>)}<li><Swatch fill="#d92d20" />fault</li></ul>
          {report.systems.map((s) => (
            <p key={s.entity} class="muted">{s.entity}: {s.scoredPeriods === 0 ? `nothing scored: every period starts before the end of the ${fmt(report.warmupSeconds ?? 0)} s warm-up` : Object.entries({ ...s.swim, ...s.elasticity }).map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}</p>
          ))}
          <div class="bar">
            <h2>Timeline</h2>
            <div class="field inline">
              <label for="replay-outcome">Outcome</label>
              <select id="replay-outcome" value={outcome} onChange={(e) => setOutcome((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">all</option>
                {outcomes.map((o) => <option key={o} value={o}>{o}</option>)}
              </select>
            </div>
          </div>
          <div class="table-wrap timeline"><table class="stack">
            <thead><tr><th scope="col">At (s)</th><th scope="col">Policy</th><th scope="col">Outcome</th><th scope="col">Actions</th><th scope="col">Reason</th></tr></thead>
            <tbody>{report.timeline.map((t, i) => (!outcome || t.outcome === outcome) && (
              <tr key={i} id={`row-${i}`} class={selected === i ? 'selected' : ''} tabIndex={0} onClick={() => setSelected(i)} onKeyDown={(e) => e.key === 'Enter' && setSelected(i)} aria-selected={selected === i}>
                <td>{fmt(t.at)}</td><td>{t.policy}</td><td><span class={`badge outcome outcome-${t.outcome}`}>{t.outcome}</span></td><td>{t.actions}</td><td>{t.reason}{t.detail ? ` (${t.detail})` : ''}</td>
              </tr>
            ))}</tbody>
          </table></div>
        </>
      )}
    </section>
  );
}
