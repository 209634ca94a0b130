import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { redactLogFields } from '../../src/cli/run-command.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TOKENS, apiFixture } from './fixture.js';

async function hostDeployment() {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint('name: host\napplication:\n  id: app\n  children:\n    - { id: db, type: sim.database }\n', path.resolve('host.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  return deployment;
}

describe('embedding: plugin options fail with one clear sentence, /docs and /metrics', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await hostDeployment();
  });
  afterAll(async () => deployment?.stop());

  const register = async (options: Record<string, unknown>) => {
    const host = Fastify();
    try {
      await host.register(homeostatPlugin, { deployment, ...options });
      await host.ready();
      return undefined;
    } catch (error) {
      return error as Error & { code?: string };
    } finally {
      await host.close();
    }
  };

  it('says which option is wrong and why, in one sentence, for a short token, duplicate tokens or a bad setting', async () => {
    const short = await register({ auth: { tokens: [{ token: 'short', name: 'a', role: 'admin' }] } });
    expect(short?.message).toBe('invalid access control settings: auth.tokens.0.token: a token must be at least 16 characters');
    expect(short?.code).toBe('E_AUTH_SETTINGS');
    const duplicate = await register({ auth: { tokens: [{ token: 'same-token-string-0000', name: 'a', role: 'viewer' }, { token: 'same-token-string-0000', name: 'b', role: 'admin' }] } });
    expect(duplicate?.message).toMatch(/^invalid access control settings: auth\.tokens\.1\.token: the same token string is given twice \(tokens 0 and 1, for a as viewer and b as admin\)/);
    const wait = await register({ invokeWaitMs: -5 });
    expect(wait?.message).toMatch(/^invalid homeostat plugin options: invokeWaitMs: /);
    const none = await register({ deployment: undefined });
    expect(none?.message).toBe('invalid homeostat plugin options: deployment is required (a Deployment, or an object with its tree, engine and knowledge)');
    for (const error of [short, duplicate, wait, none]) expect(error?.message).not.toMatch(/\n|"code":|ZodError/);
    expect(await register({ auth: { tokens: [{ token: 'long-enough-token-0000', name: 'a', role: 'admin' }] } })).toBeUndefined();
  });

  it('serves OpenAPI at <prefix>/docs without a token, and /metrics behind a token when asked', async () => {
    const host = Fastify();
    const registry = new Registry();
    await host.register(homeostatPlugin, { prefix: '/ops', deployment, registry, serveMetrics: true, protectMetrics: true, auth: { tokens: [{ token: 'viewer-token-for-metrics', name: 'prom', role: 'viewer' }] } });
    const docs = await host.inject({ method: 'GET', url: '/ops/docs' });
    expect(docs.statusCode).toBe(200);
    expect(Object.keys(docs.json<{ paths: object }>().paths)).toEqual(expect.arrayContaining(['/ops/entities', '/ops/decisions']));
    expect((await host.inject({ method: 'GET', url: '/ops/metrics' })).statusCode).toBe(401);
    const metrics = await host.inject({ method: 'GET', url: '/ops/metrics', headers: { authorization: 'Bearer viewer-token-for-metrics' } });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toContain('homeostat_entities');
    expect((await host.inject({ method: 'GET', url: '/ops/health' })).statusCode).toBe(200);
    await host.close();
  });
});

describe('caller errors are 4xx, not 500', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api?.close());

  it('replaceMember of a member that does not exist is 422; startTimeout: 1e15 is 400 before anything runs', async () => {
    const members = api.deployment.tree.get('web').members.map((m) => m.id);
    const unknown = await api.call('POST', '/entities/web/effectors/replaceMember', TOKENS.operator, { member: 'nope' });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ status: 'failed', code: 'E_UNKNOWN_TARGET', error: expect.stringContaining("'nope' is not a member of 'web'") });
    const huge = await api.call('POST', '/entities/web/effectors/replaceMember', TOKENS.operator, { member: members[0], startTimeout: 1e15 });
    expect(huge.status).toBe(400);
    expect(JSON.stringify(huge.body['issues'])).toContain('startTimeout');
    await api.clock.advanceBy(1000);
    expect(api.deployment.tree.get('web').members.map((m) => m.id)).toEqual(members);
  });
});

describe('logs', () => {
  it('redacts secrets at any depth in every log line', () => {
    const lines: string[] = [];
    const logger = pino({ formatters: { log: redactLogFields } }, new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) }));
    let nested: Record<string, unknown> = { apiKey: 'sk-live-123' };
    for (let i = 0; i < 12; i++) nested = { inner: nested };
    logger.info({ decision: { actions: [{ params: nested }] }, password: 'hunter2' }, 'a decision');
    expect(lines.join('')).not.toMatch(/sk-live-123|hunter2/);
    expect(lines.join('')).toContain('[redacted]');
  });
});
