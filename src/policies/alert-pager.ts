import { filter, map } from 'rxjs';
import { z } from 'zod';
import type { Action } from '../knowledge/decision.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';
import { notifyEffector } from './notify-option.js';

const SEVERITIES = ['critical', 'warning', 'info'] as const;

/** Config of the built-in alert pager. */
export const alertPagerConfig = z.strictObject({
  /** Entity that carries the notify effector (a `notifier`), and the severity of its pages. */
  notify: z.strictObject({
    entity: z.string().min(1),
    effector: z.string().min(1).default('notify'),
    /** Default: the alert's own `severity` label when it is critical, warning or info; else critical. */
    severity: z.enum(SEVERITIES).optional(),
  }),
  /** Alert names (`alertname`) that page; default every alert that reaches the entity. */
  alerts: z.array(z.string().min(1)).min(1).optional(),
  /** Page when an alert resolves too. Default false. */
  resolved: z.boolean().default(false),
});

/** The parsed config. */
export type AlertPagerConfig = z.output<typeof alertPagerConfig>;

/** The part of an active alert that the pager reads from the `alerts` sensor (what `AlertSink` publishes). */
const activeAlerts = z.object({
  alerts: z.array(z.object({
    fingerprint: z.string(),
    alertname: z.string(),
    labels: z.record(z.string(), z.string()),
    annotations: z.record(z.string(), z.string()),
    startsAt: z.string(),
  })),
});
type ActiveAlert = z.output<typeof activeAlerts>['alerts'][number];

/** Alerts that started firing, and those that resolved, since the previous reading of `alerts`. */
interface AlertChange extends Symptom {
  readonly detail: { readonly fired: readonly ActiveAlert[]; readonly resolved: readonly ActiveAlert[] };
}

/**
 * Pages a person through a `notify` effector when an alert from Alertmanager reaches its entity: attach it
 * to an entity with an `alerts` sensor (`{ name: alerts, type: json }`, filled by the Alertmanager receiver).
 * Each firing pages once (by fingerprint and start time, so Alertmanager's repeats page nothing new); with
 * `resolved: true` a resolution pages too.
 */
export const alertPager = definePolicy({
  name: 'alert-pager',
  description: 'pages a person through notify when an Alertmanager alert reaches the entity',
  config: alertPagerConfig,
  requires: () => [{ on: 'self', sensor: 'alerts' }],
  requiresEffectors: (config) => notifyEffector(config.notify),
  requiresEntities: (config) => [{ entity: config.notify.entity, configPath: ['notify', 'entity'] }],
  monitor: ({ entity }) => entity.sensor<unknown>('alerts').observations$,
  analyze: (source, { config }) => {
    let active = new Map<string, ActiveAlert>();
    const wanted = (a: ActiveAlert): boolean => config.alerts === undefined || config.alerts.includes(a.alertname);
    return source.pipe(
      map((o: Observation<unknown>): AlertChange | undefined => {
        const parsed = activeAlerts.safeParse(o.value);
        if (!parsed.success) return undefined;
        const now = new Map(parsed.data.alerts.filter(wanted).map((a) => [`${a.fingerprint}@${a.startsAt}`, a]));
        const fired = [...now].filter(([key]) => !active.has(key)).map(([, a]) => a);
        const resolved = config.resolved ? [...active].filter(([key]) => !now.has(key)).map(([, a]) => a) : [];
        active = now;
        return fired.length + resolved.length === 0 ? undefined : { kind: 'alert', inputs: [o], detail: { fired, resolved } };
      }),
      filter((s): s is AlertChange => s !== undefined),
    );
  },
  plan: (symptom, { entity, config, policyId }) => {
    const page = (alert: ActiveAlert, status: 'firing' | 'resolved'): Action => ({
      entity: config.notify.entity,
      effector: config.notify.effector,
      params: {
        summary: `${status === 'resolved' ? 'resolved: ' : ''}${alert.annotations['summary'] ?? `${alert.alertname} ${status} on ${entity.id}`}`,
        description: alert.annotations['description'] ?? '',
        severity: config.notify.severity ?? severityOf(alert),
        source: entity.id,
        labels: { policy: policyId, alertname: alert.alertname, fingerprint: alert.fingerprint, status },
      },
    });
    const { fired, resolved } = symptom.detail;
    const names = (alerts: readonly ActiveAlert[], status: string) => (alerts.length === 0 ? [] : [`${[...new Set(alerts.map((a) => a.alertname))].join(', ')} ${status}`]);
    return {
      actions: [...fired.map((a) => page(a, 'firing')), ...resolved.map((a) => page(a, 'resolved'))],
      reason: `Alertmanager: ${[...names(fired, 'firing'), ...names(resolved, 'resolved')].join('; ')} on ${entity.id}: paging via ${config.notify.entity}`,
      targets: [entity.id],
    };
  },
});

/** The alert's `severity` label when it is one a page can carry, else critical. */
function severityOf(alert: ActiveAlert): (typeof SEVERITIES)[number] {
  const label = alert.labels['severity'];
  return SEVERITIES.find((s) => s === label) ?? 'critical';
}
