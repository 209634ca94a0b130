import { z } from 'zod';

/** What a page says: the params of the `notify` effector. */
export const notificationSchema = z.strictObject({
  /** One line: what happened (e.g. `db/failover: refused`). */
  summary: z.string().min(1).max(1_024),
  /** Why, in full (a decision's reason). */
  description: z.string().max(16_384).default(''),
  severity: z.enum(['critical', 'warning', 'info']).default('critical'),
  /** The entity concerned. */
  source: z.string().min(1).max(256),
  /** Extra labels (policy, outcome...). */
  labels: z.record(z.string(), z.string()).default({}),
});

/** A notification, parsed. */
export type Notification = z.output<typeof notificationSchema>;

/** Payload formats: Alertmanager's API (`POST /api/v2/alerts`), its webhook format, Slack, PagerDuty Events v2, or the notification as is. */
export const NOTIFY_TEMPLATES = ['alertmanager', 'alertmanager-webhook', 'slack', 'pagerduty', 'json'] as const;

/** One payload format. */
export type NotifyTemplate = (typeof NOTIFY_TEMPLATES)[number];

/** Settings a template may need. */
export interface TemplateSettings {
  /** PagerDuty integration key (Events API v2 `routing_key`). */
  readonly routingKey?: string;
  /** Receiver name in the Alertmanager webhook format. Default `homeostat`. */
  readonly receiver?: string;
}

/**
 * Builds the JSON body of a notification in one of the payload formats. `at` is the scheduler's time (ms);
 * the alert name is always `HomeostatNotification`, so routing rules can match it.
 */
export function renderNotification(template: NotifyTemplate, n: Notification, at: number, settings: TemplateSettings = {}): unknown {
  const startsAt = new Date(at).toISOString();
  const labels = { alertname: 'HomeostatNotification', severity: n.severity, entity: n.source, ...n.labels };
  const annotations = { summary: n.summary, description: n.description };
  const dedupKey = `homeostat/${n.source}/${n.summary}`;
  switch (template) {
    case 'alertmanager':
      return [{ labels, annotations, startsAt, generatorURL: '' }];
    case 'alertmanager-webhook':
      return {
        version: '4',
        groupKey: dedupKey,
        truncatedAlerts: 0,
        status: 'firing',
        receiver: settings.receiver ?? 'homeostat',
        groupLabels: { alertname: labels.alertname },
        commonLabels: labels,
        commonAnnotations: annotations,
        externalURL: '',
        alerts: [{ status: 'firing', labels, annotations, startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: fingerprint(dedupKey) }],
      };
    case 'slack':
      return {
        text: `[${n.severity.toUpperCase()}] ${n.summary}`,
        blocks: [
          { type: 'section', text: { type: 'mrkdwn', text: `*[${n.severity.toUpperCase()}] ${n.summary}*\n${n.description}` } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(' ') }] },
        ],
      };
    case 'pagerduty':
      return {
        routing_key: settings.routingKey ?? '',
        event_action: 'trigger',
        dedup_key: dedupKey,
        payload: { summary: `${n.summary}: ${n.description}`.slice(0, 1024), source: n.source, severity: n.severity, timestamp: startsAt, component: n.source, group: n.labels['policy'] ?? 'homeostat', class: n.labels['outcome'] ?? 'notification', custom_details: { ...labels, description: n.description } },
      };
    case 'json':
      return { ...n, at: startsAt };
  }
}

/** A stable 16-hex-digit fingerprint (FNV-1a, 64 bit), as Alertmanager shows one per alert. */
function fingerprint(text: string): string {
  let hash = 0xcbf29ce484222325n;
  for (const byte of Buffer.from(text)) hash = BigInt.asUintN(64, (hash ^ BigInt(byte)) * 0x100000001b3n);
  return hash.toString(16).padStart(16, '0');
}
