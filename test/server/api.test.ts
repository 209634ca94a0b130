import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { TOKENS, apiFixture } from './fixture.js';

let api: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  api = await apiFixture();
});
afterAll(async () => {
  await api?.close();
});

describe('HTTP API: reading', () => {
  it('health and readiness need no token', async () => {
    expect((await api.call('GET', '/health', undefined)).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/ready', undefined)).body).toMatchObject({ ready: true, entities: 5, policies: 1 });
  });

  it('refuses a missing or wrong token with 401', async () => {
    expect((await api.call('GET', '/entities', undefined)).status).toBe(401);
    expect((await api.call('GET', '/entities', 'not-a-token')).status).toBe(401);
  });

  it('serves the tree, one entity with sensors, effectors and their parameter schemas, and sensor history', async () => {
    const tree = await api.call('GET', '/entities', TOKENS.viewer);
    expect(tree.body).toMatchObject({ id: 'app', children: [{ id: 'web', members: ['web-1', 'web-2'] }, { id: 'db' }] });
    const web = await api.call('GET', '/entities/web', TOKENS.viewer);
    expect(web.status).toBe(200);
    expect((web.body['sensors'] as Array<{ name: string }>).map((s) => s.name)).toContain('group.size');
    const resize = (web.body['effectors'] as Array<{ name: string; params: { properties: Record<string, unknown> } }>).find((e) => e.name === 'resize');
    expect(resize?.params.properties).toHaveProperty('size');
    expect((web.body['policies'] as Array<{ id: string }>)[0]?.id).toBe('web/autoscaler');
    const history = await api.call('GET', '/entities/web-1/sensors/service.up/history', TOKENS.viewer);
    expect((history.body['readings'] as Array<{ value: boolean }>).map((r) => r.value)).toEqual([true]);
  });

  it('answers 404 for unknown ids', async () => {
    expect((await api.call('GET', '/entities/ghost', TOKENS.viewer)).status).toBe(404);
    expect((await api.call('GET', '/entities/web/sensors/ghost/history', TOKENS.viewer)).status).toBe(404);
    expect((await api.call('GET', '/policies/ghost', TOKENS.viewer)).status).toBe(404);
    expect((await api.call('GET', '/decisions/ghost', TOKENS.viewer)).status).toBe(404);
    expect((await api.call('POST', '/entities/web/effectors/teleport', TOKENS.operator, {})).status).toBe(404);
    expect((await api.call('GET', '/invocations/ghost', TOKENS.viewer)).status).toBe(404);
  });

  it('serves OpenAPI at /docs and metrics that promtool-style parsers accept', async () => {
    const docs = await api.call('GET', '/docs', undefined);
    expect(docs.body['openapi']).toBe('3.0.3');
    expect(Object.keys(docs.body['paths'] as object)).toEqual(expect.arrayContaining(['/entities', '/entities/{id}/effectors/{effector}', '/policies/{id}/config', '/decisions', '/stream']));
    const metrics = await api.call('GET', '/metrics', undefined);
    expect(metrics.text).toMatch(/^homeostat_entities\{type="sim.server",state="running"\} 2$/m);
  });
});

describe('HTTP API: acting, roles and bad input', () => {
  it('invokes an effector for an operator, audits it, and a viewer gets 403 with nothing done', async () => {
    const denied = await api.call('POST', '/entities/web/effectors/resize', TOKENS.viewer, { size: 3 });
    expect(denied.status).toBe(403);
    expect(api.deployment.tree.get('web').members).toHaveLength(2);
    const done = await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, { size: 3 });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'succeeded', result: { size: 3 } });
    expect(api.deployment.tree.get('web').members).toHaveLength(3);
    const audit = await api.call('GET', '/audit', TOKENS.operator);
    expect(audit.body[0]).toMatchObject({ who: { kind: 'person', name: 'oscar' }, action: 'invoke resize', target: 'web', params: { size: 3 }, result: 'ok' });
  });

  it('answers 400 with the zod issues for params of the wrong type, and changes nothing', async () => {
    const before = api.deployment.tree.get('web').members.length;
    const bad = await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, { size: 'three' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body['issues'])).toContain('size');
    expect(api.deployment.tree.get('web').members).toHaveLength(before);
    const malformed = await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, '{"size": ');
    expect(malformed.status).toBe(400);
  });

  it('answers 202 with an invocation to poll when the effector outlasts the wait', async () => {
    const started = await api.call('POST', '/entities/web-1/effectors/restart?wait=50', TOKENS.operator, {});
    expect(started.status).toBe(202);
    const poll = String(started.body['poll']);
    expect((await api.call('GET', poll, TOKENS.operator)).body).toMatchObject({ status: 'running', effector: 'restart' });
    await api.clock.advanceBy(2000); // the simulated boot takes 1 s of (virtual) time
    await api.clock.settle(); // the invocation's promise chain completes
    expect((await api.call('GET', poll, TOKENS.operator)).body).toMatchObject({ status: 'succeeded' });
  });

  it('scopes roles to subtrees: an operator of db may act on db but not see web', async () => {
    expect((await api.call('GET', '/entities/web', TOKENS.scoped)).status).toBe(403);
    expect((await api.call('POST', '/entities/web/effectors/resize', TOKENS.scoped, { size: 1 })).status).toBe(403);
    expect((await api.call('GET', '/entities', TOKENS.scoped)).body).toMatchObject({ id: 'db' });
    expect((await api.call('POST', '/entities/db/effectors/demote', TOKENS.scoped, {})).status).toBe(200);
    expect((await api.call('GET', '/policies', TOKENS.scoped)).body).toEqual([]);
  });

  it('manages policies: suspend, resume, dry run (operator), config change (admin), each audited', async () => {
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.viewer, { reason: 'x' })).status).toBe(403);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.operator, { reason: 'maintenance' })).body).toMatchObject({ suspended: true, suspendedReason: 'maintenance' });
    expect((await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.operator)).body).toMatchObject({ suspended: false });
    expect((await api.call('POST', '/policies/web%2Fautoscaler/dry-run', TOKENS.operator, { enabled: true })).body).toMatchObject({ dryRun: true });
    expect((await api.call('POST', '/policies/web%2Fautoscaler/dry-run', TOKENS.operator, { enabled: 'yes' })).status).toBe(400);
    await api.call('POST', '/policies/web%2Fautoscaler/dry-run', TOKENS.operator, { enabled: false });
    expect((await api.call('PUT', '/policies/web%2Fautoscaler/config', TOKENS.operator, { config: {} })).status).toBe(403);
    const invalid = await api.call('PUT', '/policies/web%2Fautoscaler/config', TOKENS.admin, { config: { metric: 'demand', target: -1, max: 5 } });
    expect(invalid.status).toBe(400);
    expect(JSON.stringify(invalid.body['issues'])).toContain('target');
    expect(((await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.viewer)).body['config'] as { target: number }).target).toBe(1);
    const changed = await api.call('PUT', '/policies/web%2Fautoscaler/config', TOKENS.admin, { config: { metric: 'demand', target: 2, basis: 'total', max: 5, evaluationInterval: '1h' } });
    expect(changed.status).toBe(200);
    expect(((await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.viewer)).body['config'] as { target: number }).target).toBe(2);
    const actions = ((await api.call('GET', '/audit?limit=20', TOKENS.admin)).body as unknown as Array<{ action: string; result: string }>).map((e) => `${e.action}:${e.result}`);
    expect(actions).toEqual(expect.arrayContaining(['suspend:ok', 'resume:ok', 'dry-run:ok', 'config:rejected', 'config:ok']));
  });

  it('lists decisions with filters and serves one in full', async () => {
    // a scale-up (target 2 since the config test, size 3): a scale-down would wait out the 5-minute window
    api.deployment.tree.get('web').sensor('demand').publish(8);
    await api.clock.settle();
    const list = await api.call('GET', '/decisions?policy=web%2Fautoscaler&outcome=applied', TOKENS.viewer);
    expect(list.body.length).toBeGreaterThan(0);
    const one = await api.call('GET', `/decisions/${String(list.body[0]?.['id'])}`, TOKENS.viewer);
    expect(one.body).toMatchObject({ policy: 'web/autoscaler', outcome: 'applied', inputs: expect.any(Array), durations: expect.any(Object) });
    expect((await api.call('GET', '/decisions?outcome=bogus', TOKENS.viewer)).status).toBe(400);
    expect((await api.call('GET', '/decisions?entity=ghost', TOKENS.viewer)).status).toBe(404);
  });

  it('accepts HS256 JWTs with a role and a scope, and refuses tampered ones', async () => {
    const secret = 'a-jwt-secret-of-at-least-32-characters!!';
    const token = signJwt({ sub: 'jay', role: 'viewer', scope: 'web' }, secret);
    expect((await api.call('GET', '/entities/web', token)).status).toBe(200);
    expect((await api.call('GET', '/entities/db', token)).status).toBe(403);
    const tampered = signJwt({ sub: 'jay', role: 'admin' }, 'another-secret-of-at-least-32-characters');
    expect((await api.call('GET', '/entities/web', tampered)).status).toBe(401);
  });

  it('never puts secrets in the audit log, the invocation records or decisions', async () => {
    await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, { size: 2, password: 'hunter2' });
    const audit = await api.call('GET', '/audit?limit=5', TOKENS.admin);
    expect(audit.text).not.toContain('hunter2');
    expect(audit.text).not.toContain(TOKENS.operator);
    expect(JSON.stringify(await api.deployment.knowledge.queryInvocations({}))).not.toContain('hunter2');
  });
});
