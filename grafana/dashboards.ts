// The Grafana dashboards, typed against Grafana's own schema (@grafana/schema): this file is the source;
// `npm run dashboards` writes grafana/dashboards/*.json from it, and a test checks they match.
import type { Dashboard, DataSourceRef, Panel, VariableModel } from '@grafana/schema';

const DS: DataSourceRef = { type: 'prometheus', uid: '${datasource}' };
const RI = '$__rate_interval';

const datasourceVariable: VariableModel = { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', hide: 0, refresh: 1 };

function policyVariable(multi: boolean): VariableModel {
  return {
    name: 'policy',
    label: 'Policy',
    type: 'query',
    datasource: DS,
    query: { query: 'label_values(homeostat_decisions_total, policy)', refId: 'policy' },
    refresh: 2,
    multi,
    includeAll: multi,
    ...(multi ? { allValue: '.+' } : {}),
    hide: 0,
    sort: 1,
  };
}

interface PanelSpec {
  title: string;
  type: 'stat' | 'timeseries' | 'table' | 'piechart';
  exprs: string[];
  grid: [x: number, y: number, w: number, h: number];
  unit?: string;
  description?: string;
  legend?: string | string[];
  instant?: boolean;
}

function panels(specs: PanelSpec[]): Panel[] {
  return specs.map((spec, i) => ({
    id: i + 1,
    type: spec.type,
    title: spec.title,
    datasource: DS,
    gridPos: { x: spec.grid[0], y: spec.grid[1], w: spec.grid[2], h: spec.grid[3] },
    targets: spec.exprs.map((expr, k) => ({
      datasource: DS,
      expr,
      refId: String.fromCharCode(65 + k),
      ...(spec.legend ? { legendFormat: Array.isArray(spec.legend) ? spec.legend[k] : spec.legend } : {}),
      ...(spec.instant ? { instant: true, range: false, format: 'table' } : {}),
    })),
    fieldConfig: { defaults: spec.unit ? { unit: spec.unit } : {}, overrides: [] },
    options: {},
    ...(spec.description ? { description: spec.description } : {}),
  }));
}

function dashboard(uid: string, title: string, description: string, specs: PanelSpec[], variables: VariableModel[]): Dashboard {
  return {
    uid,
    title,
    description,
    tags: ['homeostat'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: '10s',
    time: { from: 'now-1h', to: 'now' },
    graphTooltip: 1,
    templating: { list: variables },
    annotations: {
      list: [
        { builtIn: 1, datasource: { type: 'grafana', uid: '-- Grafana --' }, enable: true, hide: true, iconColor: 'rgba(0, 211, 255, 1)', name: 'Annotations & Alerts', type: 'dashboard' },
        // decisions as annotations: the timestamp gauge's value is the time of each policy's last decision
        { name: 'Decisions', datasource: DS, enable: true, iconColor: 'orange', expr: 'homeostat_last_decision_timestamp_seconds{policy=~"$policy"} * 1000', useValueForTime: true, step: '10s', titleFormat: '{{policy}}: {{action}}', tagKeys: 'policy,action', textFormat: 'decision by {{policy}}' } as Dashboard['annotations'] extends { list?: (infer A)[] } ? A : never,
      ],
    },
    panels: panels(specs),
    links: [{ title: 'homeostat', type: 'dashboards', tags: ['homeostat'], asDropdown: true, icon: 'external link', includeVars: false, keepTime: true, targetBlank: false, tooltip: '', url: '' }],
  };
}

/** The dashboards, by file name. */
export const dashboards: Record<string, Dashboard> = {
  'homeostat-decisions': dashboard('homeostat-decisions', 'homeostat / Loop decisions', 'Every decision of every loop: how many, with which outcome, and how long each phase took. The reason of each decision is in the API (/decisions) and the logs.', [
    { title: 'Decisions per second', type: 'stat', exprs: [`sum(rate(homeostat_decisions_total{policy=~"$policy"}[${RI}])) or vector(0)`], grid: [0, 0, 6, 4], unit: 'ops' },
    { title: 'Actions applied per second', type: 'stat', exprs: [`sum(rate(homeostat_decisions_total{policy=~"$policy", outcome="applied", action!="none"}[${RI}])) or vector(0)`], grid: [6, 0, 6, 4], unit: 'ops' },
    { title: 'Not executed (why) per second', type: 'stat', exprs: [`sum(rate(homeostat_decisions_total{policy=~"$policy", outcome!="applied"}[${RI}])) or vector(0)`], grid: [12, 0, 6, 4], unit: 'ops', description: 'Decisions held back: cooldown, dry run, suspended, stale inputs, preempted, rate limited, failed.' },
    { title: 'Policy faults', type: 'stat', exprs: ['sum(homeostat_policy_faults_total) or vector(0)'], grid: [18, 0, 6, 4], unit: 'short', description: 'Policies that threw and were restarted.' },
    { title: 'Decisions by outcome', type: 'timeseries', exprs: [`sum by (outcome) (rate(homeostat_decisions_total{policy=~"$policy"}[${RI}]))`], grid: [0, 4, 12, 8], unit: 'ops', legend: '{{outcome}}' },
    { title: 'Decisions by policy and action', type: 'timeseries', exprs: [`sum by (policy, action) (rate(homeostat_decisions_total{policy=~"$policy"}[${RI}]))`], grid: [12, 4, 12, 8], unit: 'ops', legend: '{{policy}} {{action}}' },
    { title: 'Loop phase latency (p50, p99)', type: 'timeseries', exprs: [`histogram_quantile(0.99, sum by (le, phase) (rate(homeostat_loop_phase_duration_seconds_bucket[${RI}])))`, `histogram_quantile(0.5, sum by (le, phase) (rate(homeostat_loop_phase_duration_seconds_bucket[${RI}])))`], grid: [0, 12, 12, 8], unit: 's', description: 'Analyze: how long the analyzer held the data (windows, stabilization). Plan and execute: time spent.', legend: ['p99 {{phase}}', 'p50 {{phase}}'] },
    { title: 'Decisions in the range, by policy, action and outcome', type: 'table', exprs: ['sum by (policy, action, outcome) (increase(homeostat_decisions_total{policy=~"$policy"}[$__range]))'], grid: [12, 12, 12, 8], instant: true },
  ], [datasourceVariable, policyVariable(true)]),
  'homeostat-policy': dashboard('homeostat-policy', 'homeostat / Policy', 'One policy: what it decides, how often it acts, what holds it back, and its state.', [
    { title: 'State', type: 'stat', exprs: ['sum by (state) (homeostat_policies{policy="$policy"})'], grid: [0, 0, 8, 4], unit: 'short', legend: '{{state}}' },
    { title: 'Since last decision', type: 'stat', exprs: ['time() - max(homeostat_last_decision_timestamp_seconds{policy="$policy"})'], grid: [8, 0, 8, 4], unit: 's' },
    { title: 'Faults', type: 'stat', exprs: ['sum(homeostat_policy_faults_total{policy="$policy"}) or vector(0)'], grid: [16, 0, 8, 4], unit: 'short' },
    { title: 'Decisions by outcome', type: 'timeseries', exprs: [`sum by (outcome) (rate(homeostat_decisions_total{policy="$policy"}[${RI}]))`], grid: [0, 4, 12, 8], unit: 'ops', legend: '{{outcome}}' },
    { title: 'Decisions by action', type: 'timeseries', exprs: [`sum by (action) (rate(homeostat_decisions_total{policy="$policy"}[${RI}]))`], grid: [12, 4, 12, 8], unit: 'ops', legend: '{{action}}' },
    { title: 'Outcomes in the range', type: 'piechart', exprs: ['sum by (outcome) (increase(homeostat_decisions_total{policy="$policy"}[$__range]))'], grid: [0, 12, 12, 8], unit: 'short', legend: '{{outcome}}' },
    { title: 'Last decision per action', type: 'table', exprs: ['max by (action) (homeostat_last_decision_timestamp_seconds{policy="$policy"}) * 1000'], grid: [12, 12, 12, 8], unit: 'dateTimeAsIso', instant: true },
  ], [datasourceVariable, policyVariable(false)]),
  'homeostat-effectors': dashboard('homeostat-effectors', 'homeostat / Effectors', 'Effector invocations by policies and people: rate, failures, durations (retries included).', [
    { title: 'Invocations per second', type: 'stat', exprs: [`sum(rate(homeostat_effector_invocations_total[${RI}])) or vector(0)`], grid: [0, 0, 8, 4], unit: 'ops' },
    { title: 'Failed or rejected per second', type: 'stat', exprs: [`sum(rate(homeostat_effector_invocations_total{result!="succeeded"}[${RI}])) or vector(0)`], grid: [8, 0, 8, 4], unit: 'ops' },
    { title: 'Effectors in use', type: 'stat', exprs: ['count(count by (effector) (homeostat_effector_invocations_total))'], grid: [16, 0, 8, 4], unit: 'short' },
    { title: 'Invocations by effector and result', type: 'timeseries', exprs: [`sum by (effector, result) (rate(homeostat_effector_invocations_total[${RI}]))`], grid: [0, 4, 12, 8], unit: 'ops', legend: '{{effector}} {{result}}' },
    { title: 'Failure ratio by effector', type: 'timeseries', exprs: [`(sum by (effector) (rate(homeostat_effector_invocations_total{result!="succeeded"}[${RI}])) or 0 * sum by (effector) (rate(homeostat_effector_invocations_total[${RI}]))) / sum by (effector) (rate(homeostat_effector_invocations_total[${RI}]))`], grid: [12, 4, 12, 8], unit: 'percentunit', legend: '{{effector}}' },
    { title: 'Duration p50 / p99 by effector', type: 'timeseries', exprs: [`histogram_quantile(0.99, sum by (le, effector) (rate(homeostat_effector_duration_seconds_bucket[${RI}])))`, `histogram_quantile(0.5, sum by (le, effector) (rate(homeostat_effector_duration_seconds_bucket[${RI}])))`], grid: [0, 12, 24, 8], unit: 's', legend: ['p99 {{effector}}', 'p50 {{effector}}'] },
  ], [datasourceVariable, policyVariable(true)]),
  'homeostat-entities': dashboard('homeostat-entities', 'homeostat / Entity health', 'The managed tree: entities by type and state, what is on fire, stale and rejected sensor data.', [
    { title: 'Entities', type: 'stat', exprs: ['sum(homeostat_entities)'], grid: [0, 0, 6, 4], unit: 'short' },
    { title: 'On fire', type: 'stat', exprs: ['sum(homeostat_entities{state="on-fire"}) or vector(0)'], grid: [6, 0, 6, 4], unit: 'short' },
    { title: 'Stale sensors', type: 'stat', exprs: ['sum(homeostat_stale_sensors) or vector(0)'], grid: [12, 0, 6, 4], unit: 'short' },
    { title: 'Rejected readings per second', type: 'stat', exprs: [`sum(rate(homeostat_sensor_rejected_readings_total[${RI}])) or vector(0)`], grid: [18, 0, 6, 4], unit: 'ops', description: 'NaN, strings for numbers and other readings that fail their schema: never used by the loops.' },
    { title: 'Entities by state', type: 'timeseries', exprs: ['sum by (state) (homeostat_entities)'], grid: [0, 4, 12, 8], unit: 'short', legend: '{{state}}' },
    { title: 'Entities by type', type: 'timeseries', exprs: ['sum by (type) (homeostat_entities)'], grid: [12, 4, 12, 8], unit: 'short', legend: '{{type}}' },
    { title: 'Policies by state', type: 'timeseries', exprs: ['sum by (state) (homeostat_policies)'], grid: [0, 12, 12, 8], unit: 'short', legend: '{{state}}' },
    { title: 'Stale sensors and rejected readings by sensor', type: 'timeseries', exprs: ['sum by (sensor) (homeostat_stale_sensors) or on() vector(0)', `sum by (sensor) (rate(homeostat_sensor_rejected_readings_total[${RI}])) or on() vector(0)`], grid: [12, 12, 12, 8], unit: 'short', legend: ['stale {{sensor}}', 'rejected/s {{sensor}}'] },
    { title: 'HA: instances leading each shard', type: 'timeseries', exprs: ['sum by (shard) (homeostat_leader) or on() vector(0)'], grid: [0, 20, 8, 8], unit: 'short', legend: '{{shard}}', description: 'With --ha: how many instances act for each shard. Exactly 1 is healthy; 0 means no instance acts (a takeover or an outage of Redis), never more than 1 at a time.' },
    { title: 'HA: lease renewal p99', type: 'timeseries', exprs: [`histogram_quantile(0.99, sum by (le, shard) (rate(homeostat_lease_renewal_duration_seconds_bucket[${RI}]))) or on() vector(0)`], grid: [8, 20, 8, 8], unit: 's', legend: '{{shard}}', description: 'Round trip of lease renewals (with replica acknowledgements when asked). Near the lease time / 4, the leader stops acting.' },
    { title: 'HA: takeovers and leases lost', type: 'timeseries', exprs: [`sum by (shard) (increase(homeostat_lease_takeovers_total[${RI}])) or on() vector(0)`, `sum by (shard) (increase(homeostat_lease_lost_total[${RI}])) or on() vector(0)`], grid: [16, 20, 8, 8], unit: 'short', legend: ['takeovers {{shard}}', 'lost {{shard}}'] },
  ], [datasourceVariable, policyVariable(true)]),
};
