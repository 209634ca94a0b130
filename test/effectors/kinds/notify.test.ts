import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AlertSink } from '../../../src/sensors/feeds/alert-sink.js';
import { webhookPayloadSchema } from '../../../src/sensors/feeds/alertmanager-payload.js';
import { scenario } from '../../scenarios/helpers.js';

/** A real webhook receiver on a free port: records every request, answers with the next queued status. */
class Receiver {
  readonly requests: Array<{ path: string; headers: IncomingMessage['headers']; body: unknown }> = [];
  readonly statuses: number[] = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end('{}');
        this.waiters = this.waiters.filter((w) => (this.requests.length >= w.count ? (w.resolve(), false) : true));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.port = (this.server?.address() as AddressInfo).port;
  }

  /** Resolves once `count` requests have arrived. */
  received(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Yields to real I/O (no wall-clock sleep) until `done`, stepping virtual time with `step` if given. */
async function until(done: () => boolean | Promise<boolean>, step?: () => Promise<void>): Promise<void> {
  while (!(await done())) {
    await step?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let receiver: Receiver;
beforeEach(async () => {
  receiver = new Receiver();
  await receiver.start();
});
afterEach(async () => receiver.stop());

const withPager = (template: string, extra = '', policies = '', children = '') => `
name: paging
application:
  id: app
  children:
    - { id: pager, type: notifier, config: { url: 'http://127.0.0.1:${receiver.port}/hook', template: ${template}${extra} } }${children}
  policies:${policies || ' []'}
`;

const page = { summary: 'db/failover: refused', description: 'no replica is eligible', severity: 'critical', source: 'db', labels: { policy: 'db/failover', outcome: 'refused' } };
const person = { caller: { kind: 'person', name: 'sre' } } as const;

describe('notify effector', () => {
  it('posts an Alertmanager API payload (POST /api/v2/alerts format)', async () => {
    const { tree, deployment } = await scenario(withPager('alertmanager', ", headers: { authorization: 'Bearer t0k' }"));
    await deployment.engine.invoker.invoke(tree.get('pager'), 'notify', page, person);
    const [request] = receiver.requests;
    expect(request?.path).toBe('/hook');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['authorization']).toBe('Bearer t0k');
    expect(request?.body).toEqual([{ labels: { alertname: 'HomeostatNotification', severity: 'critical', entity: 'db', policy: 'db/failover', outcome: 'refused' }, annotations: { summary: 'db/failover: refused', description: 'no replica is eligible' }, startsAt: '1970-01-01T00:00:00.000Z', generatorURL: '' }]);
  });

  it('renders the Alertmanager webhook, Slack and PagerDuty formats', async () => {
    for (const [template, extra] of [['alertmanager-webhook', ''], ['slack', ''], ['pagerduty', ', routingKey: R0UT1NG']] as const) {
      const { tree, deployment } = await scenario(withPager(template, extra));
      await deployment.engine.invoker.invoke(tree.get('pager'), 'notify', page, person);
    }
    const [webhook, slack, pagerduty] = receiver.requests.map((r) => r.body as Record<string, unknown>);
    expect(webhook).toMatchObject({ version: '4', status: 'firing', receiver: 'homeostat', alerts: [{ status: 'firing', labels: { alertname: 'HomeostatNotification', entity: 'db' }, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) }] });
    expect(slack).toMatchObject({ text: '[CRITICAL] db/failover: refused', blocks: [{ type: 'section' }, { type: 'context' }] });
    expect(pagerduty).toMatchObject({ routing_key: 'R0UT1NG', event_action: 'trigger', dedup_key: 'homeostat/db/db/failover: refused', payload: { source: 'db', severity: 'critical', summary: 'db/failover: refused: no replica is eligible' } });
  });

  it('retries a 5xx answer and gives up at once on a 4xx', async () => {
    const { tree, clock, deployment } = await scenario(withPager('json'));
    receiver.statuses.push(503);
    const retried = deployment.engine.invoker.invoke(tree.get('pager'), 'notify', page, person);
    // the retry's backoff runs on the virtual clock: step it while the real server answers
    await until(() => receiver.requests.length >= 2, () => clock.advanceBy(50));
    await expect(retried).resolves.toEqual({ status: 200 });
    receiver.statuses.push(400);
    await expect(deployment.engine.invoker.invoke(tree.get('pager'), 'notify', page, person)).rejects.toMatchObject({ code: 'E_NOTIFY_REJECTED' });
    expect(receiver.requests).toHaveLength(3);
  });
});

describe('paging instead of dropping', () => {
  it('a refused failover pages a person when notify is configured', async () => {
    const db = `
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica, lag: 30 } }
      policies:
        - use: failover
          config: { failureDelay: 10s, notify: { entity: pager, on: [refused] } }`;
    const { clock, fail, decisions } = await scenario(withPager('json', ', timeout: 1h', '', db));
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(30_000);
    await receiver.received(1);
    // the page left at 40 s of virtual time; the decision is recorded when the real HTTP answer arrives
    await until(async () => (await decisions()).length > 0);
    expect(await decisions()).toEqual([expect.stringMatching(/^\d+(\.\d+)? db\/failover applied notify\(pager\)$/)]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.body).toMatchObject({ summary: 'db/failover: refused', source: 'db', labels: { outcome: 'refused' }, description: expect.stringMatching(/^primary db-1 has been down for 10 s, but no replica is up/) });
  });

  it('a blocked failover (a second primary failure inside the recovery block) pages a person when notify is configured', async () => {
    const db = `
    - id: db
      type: sim.db-cluster
      children:
        - { id: db-1, type: sim.database, config: { role: primary } }
        - { id: db-2, type: sim.database, config: { role: replica, lag: 1 } }
        - { id: db-3, type: sim.database, config: { role: replica, lag: 1 } }
      policies:
        - use: failover
          config: { failureDelay: 10s, recoveryBlock: 10m, notify: { entity: pager, on: [blocked] } }`;
    const { clock, tree, fail, decisions } = await scenario(withPager('json', ', timeout: 1h', '', db));
    await clock.advanceBy(30_000);
    fail('db-1');
    await clock.advanceBy(15_000);
    expect(tree.get('db').sensor('primary').value).toBe('db-2');
    fail('db-2'); // inside the recovery block of the failover at about 40 s
    await clock.advanceBy(30_000);
    await receiver.received(1);
    await until(async () => (await decisions()).length > 1);
    expect(await decisions()).toEqual([expect.stringMatching(/ db\/failover applied fence\(db-1\),promote\(db-2\)$/), expect.stringMatching(/ db\/failover applied notify\(pager\)$/)]);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]?.body).toMatchObject({ summary: 'db/failover: blocked', source: 'db', labels: { outcome: 'blocked' }, description: expect.stringMatching(/^primary db-2 has been down for 10 s, but db failed over at \d+ s: blocked until \d+ s/) });
    expect(tree.get('db').sensor('primary').value).toBe('db-2');
  });

  const cluster = (notify = '') => `
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 10s }
        policies:
          - use: restarter
            config: { failureDelay: 5s, recheckInterval: 30s, maxBackoff: 30s, maxRestarts: 2, window: 5m }
      policies:
        - use: replacer
          config: { maxFailures: 2, window: 15m, startTimeout: 1m${notify} }`;

  it('a replacer whose budget is spent escalates and pages a person', async () => {
    const { clock, fail, decisions } = await scenario(withPager('json', ', timeout: 1h', '', cluster(', notify: { entity: pager, on: [quota_exceeded] }')));
    await clock.advanceBy(20_000);
    fail('web');
    await clock.advanceBy(15 * 60_000);
    await receiver.received(1);
    await until(async () => (await decisions()).some((d) => d.includes('escalate(web),notify(pager)')));
    expect(receiver.requests[0]?.body).toMatchObject({ summary: 'web/replacer: replacement budget spent', source: 'web', labels: { outcome: 'quota_exceeded' } });
  });

  it('an escalation that reaches the root pages a person instead of being dropped', async () => {
    const { clock, fail, decisions } = await scenario(withPager('alertmanager', ', timeout: 1h', `
    - use: escalation-pager
      config: { notify: { entity: pager } }`, cluster()));
    await clock.advanceBy(20_000);
    fail('web');
    await clock.advanceBy(15 * 60_000);
    await receiver.received(1);
    await until(async () => (await decisions()).some((d) => d.includes('escalation-pager')));
    const pages = (await decisions()).filter((d) => d.includes('escalation-pager'));
    expect(pages).toEqual([expect.stringMatching(/^\d+ app\/escalation-pager applied notify\(pager\)$/)]);
    expect(receiver.requests).toHaveLength(1); // members' escalations are the replacer's, not a person's
    expect(receiver.requests[0]?.body).toMatchObject([{ labels: { entity: 'web', alertname: 'HomeostatNotification' }, annotations: { summary: 'web escalated and nothing above handles it' } }]);
  });
});

describe('paging on an Alertmanager alert', () => {
  const alert = (fingerprint: string, alertname: string, status: 'firing' | 'resolved', extra: Record<string, string> = {}) => ({
    status, labels: { alertname, entity: 'web', ...extra }, annotations: { summary: `${alertname} on web`, description: 'see the dashboard' }, startsAt: '2026-01-01T00:00:00Z', endsAt: '', fingerprint,
  });
  const payload = (...alerts: ReturnType<typeof alert>[]) => webhookPayloadSchema.parse({ version: '4', status: 'firing', alerts });
  const web = (config: string) => `
    - id: web
      type: entity
      sensors: [{ name: alerts, type: json }]
      policies:
        - use: alert-pager
          config: ${config}`;

  it('pages each firing alert it is told about once, with the alert\'s summary and severity, and resolutions when asked', async () => {
    const { tree, deployment, decisions } = await scenario(withPager('json', ', timeout: 1h', '', web('{ notify: { entity: pager }, alerts: [Overloaded, Down], resolved: true }')));
    const sink = new AlertSink(tree);
    sink.receive(payload(alert('f1', 'Overloaded', 'firing', { severity: 'warning' }), alert('f2', 'Noise', 'firing')));
    await receiver.received(1);
    sink.receive(payload(alert('f1', 'Overloaded', 'firing', { severity: 'warning' }))); // Alertmanager repeats itself
    sink.receive(payload(alert('f3', 'Down', 'firing')));
    await receiver.received(2);
    sink.receive(payload(alert('f1', 'Overloaded', 'resolved', { severity: 'warning' })));
    await receiver.received(3);
    await until(async () => (await decisions()).length >= 3);
    expect(receiver.requests.map((r) => r.body)).toEqual([
      { at: '1970-01-01T00:00:00.000Z', summary: 'Overloaded on web', description: 'see the dashboard', severity: 'warning', source: 'web', labels: { policy: 'web/alert-pager', alertname: 'Overloaded', fingerprint: 'f1', status: 'firing' } },
      expect.objectContaining({ summary: 'Down on web', severity: 'critical', labels: expect.objectContaining({ alertname: 'Down', fingerprint: 'f3' }) }),
      expect.objectContaining({ summary: 'resolved: Overloaded on web', labels: expect.objectContaining({ fingerprint: 'f1', status: 'resolved' }) }),
    ]);
    expect(await decisions()).toEqual([0, 0, 0].map(() => expect.stringMatching(/^0 web\/alert-pager applied notify\(pager\)$/)));
    const reasons = (await deployment.knowledge.queryDecisions({ policy: 'web/alert-pager' })).map((d) => d.reason).reverse();
    expect(reasons).toEqual(['Alertmanager: Overloaded firing on web: paging via pager', 'Alertmanager: Down firing on web: paging via pager', 'Alertmanager: Overloaded resolved on web: paging via pager']);
  });

  it('validate refuses it on an entity without an alerts sensor, or naming a pager that does not exist', async () => {
    const blueprint = withPager('json', '', '', `
    - id: web
      type: entity
      policies:
        - use: alert-pager
          config: { notify: { entity: pagr } }`);
    await expect(scenario(blueprint)).rejects.toThrow(/alerts[\s\S]*pagr|pagr[\s\S]*alerts/);
  });
});
