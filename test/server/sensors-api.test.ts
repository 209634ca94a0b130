// Pushed readings, feed health, feed metrics and the Alertmanager webhook through the real HTTP API.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { filter, map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { definePolicy } from '../../src/policies/define-policy.js';
import { serve } from '../../src/server/serve.js';
import { NotPushableError, pushReading } from '../../src/sensors/push-reading.js';
import { ValidationError } from '../../src/core/errors.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { z } from 'zod';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field
type Json = any;

const OPERATOR = 'operator-token-00000000';
const VIEWER = 'viewer-token-0000000000';
const SCOPED = 'scoped-operator-token-00';
const AM_TOKEN = 'alertmanager-token-0123456789';

/** Restarts its entity when the entity's `alert.HighErrorRate` fires. */
const alertRestarter = definePolicy({
  name: 'alert-restarter',
  config: z.object({}),
  monitor: ({ entity }) => entity.sensor<boolean>('alert.HighErrorRate').observations$,
  analyze: (source) => source.pipe(filter((o) => o.value === true), map((o) => ({ kind: 'alert', inputs: [o] }))),
  plan: (_symptom, { entity }) => ({ actions: [{ entity: entity.id, effector: 'restart', params: {} }], reason: 'HighErrorRate is firing' }),
});

let url = '';
let deployment: Deployment;
let close: () => Promise<void>;
let clock: VirtualClock;

beforeAll(async () => {
  clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: push
application:
  id: app
  children:
    - id: jobs
      sensors:
        - { name: backlog, pushable: true, staleAfter: 5m }
        - { name: computed }
        - { name: batch.state, type: string, pushable: true }
      feeds:
        - { kind: exec, sensor: computed, argv: [echo, "3"], every: 1m, jitter: 0 }
    - id: db
      type: sim.database
      config: { role: primary }
      sensors: [{ name: alert.HighErrorRate, type: boolean }, { name: alerts, type: json }, { name: notes, pushable: true }]
      policies: [{ use: alert-restarter }]
`, path.resolve('push.yaml'), { policies: new Map([['alert-restarter', alertRestarter]]) });
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.settle();
  const server = await serve(deployment, {
    port: 0,
    auth: { tokens: [{ token: OPERATOR, name: 'oscar', role: 'operator' }, { token: VIEWER, name: 'vera', role: 'viewer' }, { token: SCOPED, name: 'dana', role: 'operator', scope: 'db' }] },
    alertmanager: { token: AM_TOKEN },
  });
  url = server.url;
  close = async () => {
    await server.app.close();
    await deployment.stop();
  };
});

afterAll(async () => close?.());

async function call(method: string, route: string, token: string | undefined, body?: unknown): Promise<{ status: number; json: Json }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  try {
    return { status: response.status, json: JSON.parse(text) };
  } catch {
    return { status: response.status, json: text };
  }
}

describe('pushed readings', () => {
  it('an operator pushes a reading to a pushable sensor; it is published, stamped and audited', async () => {
    const pushed = await call('POST', '/entities/jobs/sensors/backlog', OPERATOR, { value: 17 });
    expect(pushed.status).toBe(200);
    expect(pushed.json).toMatchObject({ entity: 'jobs', sensor: 'backlog', value: 17, at: clock.now() });
    expect(deployment.tree.get('jobs').sensor('backlog').value).toBe(17);
    const audit = await call('GET', '/audit', OPERATOR);
    expect(audit.json[0]).toMatchObject({ who: { kind: 'person', name: 'oscar' }, action: 'push backlog', target: 'jobs', params: { value: 17 }, result: 'ok' });
  });

  it("the body is checked by the sensor's schema; a bad one changes nothing and says why", async () => {
    const asText = await call('POST', '/entities/jobs/sensors/backlog', OPERATOR, { value: '12' });
    expect(asText.status).toBe(400);
    expect(asText.json.error).toMatch(/reading of jobs.backlog: expected a finite number, got the string '12'/);
    expect((await call('POST', '/entities/jobs/sensors/backlog', OPERATOR, { value: null })).status).toBe(400);
    expect((await call('POST', '/entities/jobs/sensors/backlog', OPERATOR, { reading: 3 })).status).toBe(400);
    expect((await call('POST', '/entities/jobs/sensors/batch.state', OPERATOR, { value: 'done' })).status).toBe(200);
    expect(deployment.tree.get('jobs').sensor('backlog').value).toBe(17);
    expect(deployment.tree.get('jobs').sensor('backlog').rejectedCount).toBe(0);
  });

  it('refuses sensors not declared pushable, viewers, callers outside their scope, and unknown names', async () => {
    const notPushable = await call('POST', '/entities/jobs/sensors/computed', OPERATOR, { value: 1 });
    expect(notPushable.status).toBe(409);
    expect(notPushable.json).toMatchObject({ code: 'E_NOT_PUSHABLE' });
    expect((await call('POST', '/entities/jobs/sensors/service.up', OPERATOR, { value: false })).status).toBe(409);
    expect((await call('POST', '/entities/jobs/sensors/backlog', VIEWER, { value: 1 })).status).toBe(403);
    expect((await call('POST', '/entities/jobs/sensors/backlog', SCOPED, { value: 1 })).status).toBe(403);
    expect((await call('POST', '/entities/db/sensors/notes', SCOPED, { value: 2 })).status).toBe(200);
    expect((await call('POST', '/entities/jobs/sensors/nope', OPERATOR, { value: 1 })).status).toBe(404);
    expect((await call('POST', '/entities/nope/sensors/backlog', OPERATOR, { value: 1 })).status).toBe(404);
    expect((await call('POST', '/entities/jobs/sensors/backlog', undefined, { value: 1 })).status).toBe(401);
    expect(deployment.tree.get('jobs').sensor('backlog').value).toBe(17);
  });

  it('the same as a library call, with typed errors', () => {
    expect(pushReading(deployment.tree, 'jobs', 'backlog', 21).value).toBe(21);
    expect(() => pushReading(deployment.tree, 'jobs', 'computed', 1)).toThrow(NotPushableError);
    expect(() => pushReading(deployment.tree, 'jobs', 'backlog', Number.NaN)).toThrow(ValidationError);
    expect(() => pushReading(deployment.tree, 'jobs', 'nope', 1)).toThrow(/has no sensor 'nope'/);
  });
});

describe('feed health in the API and metrics', () => {
  it('lists each feed with its last success and failures, and counts polls in metrics with bounded labels', async () => {
    await vi.waitFor(() => expect(deployment.tree.get('jobs').sensor('computed').value).toBe(3));
    const feeds = await call('GET', '/feeds', VIEWER);
    expect(feeds.json).toEqual([expect.objectContaining({ id: 'jobs/feeds/0', kind: 'exec', entity: 'jobs', sensor: 'computed', consecutiveFailures: 0, polls: 1, lastSuccessAt: 0 })]);
    expect((await call('GET', '/feeds', SCOPED)).json).toEqual([]);
    expect((await call('GET', '/entities/jobs/feeds', VIEWER)).json).toHaveLength(1);
    const metrics = (await call('GET', '/metrics', undefined)).json as string;
    expect(metrics).toContain('homeostat_feed_polls_total{kind="exec",sensor="computed",result="ok"} 1');
    expect(metrics).toContain('homeostat_feed_readings_total{kind="exec",sensor="computed",result="published"} 1');
    expect(metrics).toContain('homeostat_feed_consecutive_failures{kind="exec",sensor="computed"} 0');
  });
});

describe('Alertmanager webhook (recorded v4 payload)', () => {
  const payload = JSON.parse(readFileSync(path.join(import.meta.dirname, 'fixtures/alertmanager-v4-firing.json'), 'utf8'));

  it('needs its own token: no token, an API token or a wrong one gets 401', async () => {
    expect((await call('POST', '/alertmanager', undefined, payload)).status).toBe(401);
    expect((await call('POST', '/alertmanager', OPERATOR, payload)).status).toBe(401);
    expect((await call('POST', '/alertmanager', `${AM_TOKEN}x`, payload)).status).toBe(401);
    expect(deployment.tree.get('db').sensor('alerts').current).toBeUndefined();
  });

  it('publishes a firing alert on its entity with its labels, and a policy acts on it', async () => {
    const decisions: string[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(`${d.policyName}:${d.outcome}:${d.reason}`));
    const receipt = await call('POST', '/alertmanager', AM_TOKEN, payload);
    expect(receipt.status).toBe(200);
    expect(receipt.json).toEqual({ received: 2, published: 1, duplicates: 0, unmatched: [{ fingerprint: '9f00aa11bb22cc33', reason: "no entity 'ghost'" }] });
    const db = deployment.tree.get('db');
    expect(db.sensor('alert.HighErrorRate').value).toBe(true);
    expect(db.sensor('alerts').value).toMatchObject({ firing: 1, names: ['HighErrorRate'], alerts: [{ fingerprint: '4b1c2a8e0f3d9e71', status: 'firing', labels: { severity: 'page', instance: '127.0.0.1:9187' } }] });
    await clock.settle();
    await vi.waitFor(() => expect(decisions).toContain('alert-restarter:applied:HighErrorRate is firing'));
  });

  it('deduplicates repeats by fingerprint, then publishes the resolution', async () => {
    const readings: unknown[] = [];
    deployment.tree.get('db').sensor('alerts').readings$.subscribe((o) => readings.push(o.value));
    const again = await call('POST', '/alertmanager', AM_TOKEN, payload);
    expect(again.json).toMatchObject({ received: 2, published: 0, duplicates: 1 });
    expect(readings).toEqual([]);
    const resolved = { ...payload, status: 'resolved', alerts: [{ ...payload.alerts[0], status: 'resolved', endsAt: '2026-11-29T10:05:00.000Z' }] };
    expect((await call('POST', '/alertmanager', AM_TOKEN, resolved)).json).toMatchObject({ published: 1, duplicates: 0 });
    expect((await call('POST', '/alertmanager', AM_TOKEN, resolved)).json).toMatchObject({ published: 0, duplicates: 1 });
    expect(deployment.tree.get('db').sensor('alert.HighErrorRate').value).toBe(false);
    expect(readings).toEqual([{ firing: 0, names: [], alerts: [] }]);
  });

  it('answers another method on its path with 405 and Allow, as the API paths do, with no token needed to learn it', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(`${url}/alertmanager`, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('OPTIONS, POST');
    }
    const options = await fetch(`${url}/alertmanager`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    // the receiver's own token is still needed for what it does
    expect((await call('POST', '/alertmanager', undefined, payload)).status).toBe(401);
  });

  it('takes a group of 10,000 alerts (4 MB, past the API\'s 1 MiB), and tells a body past its 16 MiB the bound', async () => {
    const alert = payload.alerts[1];
    const group = { ...payload, alerts: Array.from({ length: 10_000 }, (_, i) => ({ ...alert, fingerprint: `ffff${String(i).padStart(12, '0')}`, annotations: { description: 'x'.repeat(300) } })) };
    expect(JSON.stringify(group).length).toBeGreaterThan(4_000_000);
    const taken = await call('POST', '/alertmanager', AM_TOKEN, group);
    expect(taken.status).toBe(200);
    expect(taken.json).toMatchObject({ received: 10_000 });
    const huge = { ...payload, padding: 'x'.repeat(17 * 1024 * 1024) };
    const refused = await call('POST', '/alertmanager', AM_TOKEN, huge);
    expect(refused.status).toBe(413);
    expect(refused.json).toEqual({ error: 'the body is larger than the 16777216 bytes this route takes', code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  });

  it('refuses what is not a v4 payload, saying where', async () => {
    const bad = await call('POST', '/alertmanager', AM_TOKEN, { ...payload, version: '3' });
    expect(bad.status).toBe(400);
    expect(bad.json.issues).toEqual([expect.objectContaining({ path: 'version', message: "only webhook payload version '4' is understood" })]);
    const noFingerprint = await call('POST', '/alertmanager', AM_TOKEN, { ...payload, alerts: [{ ...payload.alerts[0], fingerprint: undefined }] });
    expect(noFingerprint.json.issues[0].path).toBe('alerts.0.fingerprint');
  });
});
