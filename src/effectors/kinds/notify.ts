import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { HomeostatError, TerminalEffectorError } from '../../core/errors.js';
import type { EntityType } from '../../drivers/entity-type.js';
import { defineEffector, type EffectorDefinition } from '../define-effector.js';
import { NOTIFY_TEMPLATES, notificationSchema, renderNotification, type Notification, type NotifyTemplate, type TemplateSettings } from './notify-templates.js';

/** Settings of a webhook that pages a person. */
export const notifyWebhookSchema = z.strictObject({
  url: z.url(),
  template: z.enum(NOTIFY_TEMPLATES).default('alertmanager'),
  /** Extra request headers (e.g. an authorization token). */
  headers: z.record(z.string(), z.string()).default({}),
  timeout: durationSchema.default(10_000),
  /** PagerDuty integration key, for the `pagerduty` template. */
  routingKey: z.string().optional(),
  receiver: z.string().optional(),
});

/** The parsed settings. */
export type NotifyWebhook = z.output<typeof notifyWebhookSchema>;

/**
 * The `notify` effector: POSTs the notification as JSON, in the configured payload format, to a webhook.
 * A 5xx answer or a network error is retried (a page is worth a duplicate; receivers dedupe by key);
 * a 4xx answer is terminal (the request is wrong, resending will not help).
 */
export function notifyEffector(settings: NotifyWebhook): EffectorDefinition<Notification, { status: number }> {
  const extra: TemplateSettings = { ...(settings.routingKey === undefined ? {} : { routingKey: settings.routingKey }), ...(settings.receiver === undefined ? {} : { receiver: settings.receiver }) };
  return defineEffector({
    name: 'notify',
    description: `page a person: POST a ${settings.template} payload to a webhook`,
    params: notificationSchema,
    idempotent: true,
    timeoutMs: settings.timeout,
    run: async (notification, { signal, scheduler }) => {
      const body = JSON.stringify(renderNotification(settings.template as NotifyTemplate, notification, scheduler.now(), extra));
      let response: Response;
      try {
        response = await fetch(settings.url, { method: 'POST', headers: { 'content-type': 'application/json', ...settings.headers }, body, signal });
      } catch (error) {
        throw new HomeostatError('E_NOTIFY_UNREACHABLE', `webhook ${new URL(settings.url).origin} unreachable`, { retryable: true, cause: error });
      }
      await response.arrayBuffer(); // drain, so the connection can be reused
      if (response.status >= 500) throw new HomeostatError('E_NOTIFY_FAILED', `webhook answered ${response.status}`, { retryable: true });
      if (response.status >= 400) throw new TerminalEffectorError(`webhook answered ${response.status}`, { code: 'E_NOTIFY_REJECTED' });
      return { status: response.status };
    },
  });
}

/** An entity that pages people through a webhook: `{ id: pager, type: notifier, config: { url, template } }`. */
export const notifierType: EntityType<NotifyWebhook> = {
  name: 'notifier',
  description: 'pages a person through a webhook (Alertmanager, Slack, PagerDuty or plain JSON)',
  config: notifyWebhookSchema,
  effectors: ['notify'],
  start: (entity, config) => {
    entity.addEffector(notifyEffector(config));
    entity.setState('running');
    entity.setUp(true);
  },
};
