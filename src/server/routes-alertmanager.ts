import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AlertSink } from '../sensors/feeds/alert-sink.js';
import { webhookPayloadSchema } from '../sensors/feeds/alertmanager-payload.js';
import type { ApiContext } from './context.js';
import { readTokenFile } from './token-file.js';

/** Options of the Alertmanager webhook receiver. */
export interface AlertmanagerReceiverOptions {
  /** The bearer token Alertmanager sends (`http_config.authorization.credentials`); or `tokenFile`. */
  readonly token?: string;
  /** A file holding the token (read once at start; a regular file of at most 64 KiB, see `readTokenFile`). */
  readonly tokenFile?: string;
  /** The alert label that names the entity. Default `entity`. */
  readonly entityLabel?: string;
  /** Route path. Default `/alertmanager`. */
  readonly path?: string;
}

/**
 * The largest webhook body taken (bytes): Alertmanager sends a whole group in one call, and a real alert with
 * its labels, annotations and generator URL is 0.5 to 1 KB, so the 10,000 firing alerts the sink keeps fit.
 * A larger group gets 413 naming this bound (and is logged), on each of Alertmanager's retries.
 */
export const ALERTMANAGER_BODY_LIMIT = 16 * 1024 * 1024;

/**
 * The Alertmanager webhook receiver: `POST /alertmanager` with a v4 payload, protected by its own bearer
 * token (not an API role: Alertmanager may publish alerts and do nothing else). Alerts become sensor
 * readings through an `AlertSink`; each call is audited.
 * @throws Error at registration when no token is given (an open receiver would let anyone fake alerts)
 */
export async function alertmanagerRoutes(app: FastifyInstance, context: ApiContext, options: AlertmanagerReceiverOptions): Promise<AlertSink> {
  const token = options.token ?? (options.tokenFile ? await readTokenFile(options.tokenFile, 'the Alertmanager receiver\'s tokenFile') : '');
  if (token.length < 16) throw new Error('the Alertmanager receiver needs a token of at least 16 characters (token or tokenFile)');
  const expected = Buffer.from(`Bearer ${token}`);
  const sink = new AlertSink(context.tree, options.entityLabel ? { entityLabel: options.entityLabel } : {});
  app.post(options.path ?? '/alertmanager', { bodyLimit: ALERTMANAGER_BODY_LIMIT, schema: { summary: 'Alertmanager webhook (v4): alerts become sensor readings', hide: true } }, async (request, reply) => {
    const presented = Buffer.from(request.headers.authorization ?? '');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid bearer token is needed' });
    }
    const parsed = webhookPayloadSchema.safeParse(request.body);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      // logged as the receiver's other refusals are: Alertmanager retries the group for ever and shows nobody why
      request.log.warn({ issues: issues.slice(0, 10) }, `Alertmanager webhook refused (400): not an Alertmanager v4 webhook payload (${issues.length} issue${issues.length === 1 ? '' : 's'}, first: ${issues[0]?.path ?? ''} ${issues[0]?.message ?? ''})`);
      return reply.code(400).send({ error: 'not an Alertmanager v4 webhook payload', issues });
    }
    const receipt = sink.receive(parsed.data);
    context.audit.record({
      who: { kind: 'person', name: 'alertmanager' },
      action: 'alerts',
      target: parsed.data.groupKey ?? 'alertmanager',
      // a payload can concern several entities: placed at the root, so only a caller of the whole tree sees it
      entity: context.tree.root.id,
      path: context.tree.root.path,
      params: { status: parsed.data.status, alerts: parsed.data.alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, alertname: a.labels['alertname'] })) },
      result: receipt.unmatched.length === receipt.received && receipt.received > 0 ? 'rejected' : 'ok',
      ...(receipt.unmatched.length > 0 ? { detail: receipt.unmatched.map((u) => `${u.fingerprint}: ${u.reason}`).join('; ') } : {}),
    });
    return receipt;
  });
  return sink;
}
