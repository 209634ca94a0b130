import { z } from 'zod';

const labels = z.record(z.string(), z.string());

/** One alert of an Alertmanager webhook (payload version 4). */
export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string(),
  endsAt: z.string().default(''),
  generatorURL: z.string().optional(),
  fingerprint: z.string().min(1),
});
export type WebhookAlert = z.output<typeof alertSchema>;

/** The body Alertmanager posts to a webhook receiver (version 4). Unknown fields are allowed (newer versions add some). */
export const webhookPayloadSchema = z.object({
  version: z.literal('4', { error: "only webhook payload version '4' is understood" }),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().optional(),
  groupLabels: labels.default({}),
  commonLabels: labels.default({}),
  commonAnnotations: labels.default({}),
  externalURL: z.string().optional(),
  alerts: z.array(alertSchema),
});
export type WebhookPayload = z.output<typeof webhookPayloadSchema>;

/** An active alert as sensors publish it. */
export interface AlertState {
  readonly fingerprint: string;
  readonly alertname: string;
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
}
