import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import { HomeostatError, TerminalEffectorError } from '../../core/errors.js';
import type { EntityType } from '../../drivers/entity-type.js';
import { BodyCutError, readBodyUpTo } from '../../core/http-body.js';
import { defineEffector, type EffectorDefinition } from '../define-effector.js';
import { NOTIFY_TEMPLATES, notificationSchema, renderNotification, type Notification, type NotifyTemplate, type TemplateSettings } from './notify-templates.js';

/** Bytes of an error answer shown in the error. */
const ERROR_EXCERPT = 200;

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
      // the origin only: a webhook URL often holds its token in the path
      const origin = new URL(settings.url).origin;
      const body = JSON.stringify(renderNotification(settings.template as NotifyTemplate, notification, scheduler.now(), extra));
      let response: Response;
      try {
        response = await fetch(settings.url, { method: 'POST', headers: { 'content-type': 'application/json', ...settings.headers }, body, signal });
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new HomeostatError('E_NOTIFY_UNREACHABLE', `webhook ${origin} unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { retryable: true, cause: error });
      }
      // the status decides: of the body, only what an error message shows is read (never all of an endless one)
      if (response.status < 400) {
        await response.body?.cancel().catch(() => undefined);
        return { status: response.status };
      }
      const excerpt = await readBodyUpTo(response, ERROR_EXCERPT, signal).then((b) => b.text.trim(), (e: unknown) => (e instanceof BodyCutError ? '' : Promise.reject(e)));
      const message = `webhook ${origin} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`;
      if (response.status >= 500) throw new HomeostatError('E_NOTIFY_FAILED', message, { retryable: true });
      throw new TerminalEffectorError(message, { code: 'E_NOTIFY_REJECTED' });
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
