import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { TOKENS, apiFixture } from './fixture.js';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwksKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const now = () => Math.floor(Date.now() / 1000);

let api: Awaited<ReturnType<typeof apiFixture>>;
let jwks: http.Server;
beforeAll(async () => {
  const jwk = { ...(await exportJWK(jwksKeys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = http.createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  // the fixture's JWT secret stays; a public key and a JWKS are added. Two keys of one kind cannot both be
  // configured, so the EC key gets its own service below.
  api = await apiFixture({ auth: { jwtPublicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(), jwksUrl } });
});
afterAll(async () => {
  await api?.close();
  jwks?.close();
});

const get = async (route: string, token: string) => (await api.call('GET', route, token)).status;

describe('JWT claims are checked by a schema and time claims within a small skew', () => {
  it('refuses a scope that is a number, null, an object or an empty list (401), never reading it as the whole tree', async () => {
    for (const scope of [7, null, { id: 'web' }, [], [3], true]) {
      const token = signJwt({ sub: 'mallory', role: 'operator', scope, exp: now() + 60 }, SECRET);
      expect(await get('/entities/web', token), JSON.stringify(scope)).toBe(401);
      expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', token, { reason: 'x' })).status).toBe(401);
    }
    expect(api.deployment.engine.policy('web/autoscaler').suspended).toBe(false);
  });

  it('takes a list of entity ids as the union of their subtrees', async () => {
    const token = signJwt({ sub: 'lee', role: 'viewer', scope: ['web-1', 'db'], exp: now() + 60 }, SECRET);
    expect(await get('/entities/web-1', token)).toBe(200);
    expect(await get('/entities/db', token)).toBe(200);
    expect(await get('/entities/web', token)).toBe(403);
    expect(await get('/entities/web-2', token)).toBe(403);
  });

  it('refuses wrong-typed or out-of-time exp, nbf and iat, and accepts them within the skew', async () => {
    const claims = { sub: 'tim', role: 'viewer' };
    const refused = [
      { exp: '1' }, { exp: null }, { exp: now() - 120 }, { nbf: now() + 600 }, { nbf: 'soon' }, { iat: now() + 600 }, { iat: 'x' },
      { sub: 5 }, { role: 'root' }, { role: null },
    ];
    for (const extra of refused) expect(await get('/entities/web', signJwt({ ...claims, ...extra }, SECRET)), JSON.stringify(extra)).toBe(401);
    for (const extra of [{ exp: now() - 10 }, { nbf: now() + 10 }, { iat: now() + 10 }, {}]) {
      expect(await get('/entities/web', signJwt({ ...claims, ...extra }, SECRET)), JSON.stringify(extra)).toBe(200);
    }
  });

  it('refuses alg none and a token signed with another secret', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', role: 'admin' })).toString('base64url')}.`;
    expect(await get('/entities/web', none)).toBe(401);
    expect(await get('/entities/web', signJwt({ sub: 'x', role: 'admin' }, 'another-secret-of-at-least-32-characters'))).toBe(401);
  });

  it('verifies RS256 with the configured public key and with a JWKS, and refuses a key it does not know', async () => {
    const rs = await new SignJWT({ role: 'viewer', scope: 'web' }).setProtectedHeader({ alg: 'RS256' }).setSubject('ria').setExpirationTime('1m').sign(rsa.privateKey);
    expect(await get('/entities/web', rs)).toBe(200);
    expect(await get('/entities/db', rs)).toBe(403);
    const viaJwks = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('jo').setExpirationTime('1m').sign(jwksKeys.privateKey);
    expect(await get('/entities/db', viaJwks)).toBe(200);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const forged = await new SignJWT({ role: 'admin' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject('eve').setExpirationTime('1m').sign(stranger.privateKey);
    expect(await get('/entities/db', forged)).toBe(401);
  });

  it('verifies ES256 with a configured P-256 public key', async () => {
    const other = await apiFixture({ auth: { jwtPublicKey: ec.publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    try {
      const es = await new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'ES256' }).setSubject('eli').setExpirationTime('1m').sign(ec.privateKey);
      expect((await other.call('GET', '/entities/db', es)).status).toBe(200);
      expect((await other.call('GET', '/entities/db', es.slice(0, -4) + 'AAAA')).status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('the audit log: every entry names its entity, refused requests included, shown by scope', () => {
  it('audits refused mutating requests (401, 403, 404, 400) with the reason', async () => {
    expect((await api.call('POST', '/entities/web/effectors/resize', TOKENS.viewer, { size: 3 })).status).toBe(403);
    expect((await api.call('POST', '/entities/ghost/effectors/resize', TOKENS.operator, { size: 3 })).status).toBe(404);
    expect((await api.call('POST', '/entities/web/effectors/teleport', TOKENS.operator, {})).status).toBe(404);
    expect((await api.call('POST', '/policies/ghost/suspend', TOKENS.operator, {})).status).toBe(404);
    expect((await api.call('POST', '/policies/web%2Fautoscaler/dry-run', TOKENS.operator, { enabled: 'yes' })).status).toBe(400);
    expect((await api.call('POST', '/entities/web/effectors/resize', 'not-a-valid-token-at-all', { size: 3 })).status).toBe(401);
    const entries = (await api.call('GET', '/audit?limit=6', TOKENS.admin)).body;
    expect(entries.map((e) => [e['status'], e['result'], e['target'], e['entity']])).toEqual([
      [401, 'denied', 'web', 'web'],
      [400, 'rejected', 'web/autoscaler', 'web'],
      [404, 'rejected', 'ghost', null],
      [404, 'rejected', 'web', 'web'],
      [404, 'rejected', 'ghost', null],
      [403, 'denied', 'web', 'web'],
    ]);
    expect(entries[5]).toMatchObject({ who: { name: 'vera' }, detail: expect.stringContaining('needs operator') });
    expect(entries[3]?.['detail']).toContain("has no effector 'teleport'");
  });

  it('shows a scoped operator only entries it can place in its subtree', async () => {
    expect((await api.call('POST', '/policies/web%2Fautoscaler/suspend', TOKENS.admin, { reason: 'audit test' })).status).toBe(200);
    await api.call('POST', '/policies/web%2Fautoscaler/resume', TOKENS.admin);
    expect((await api.call('POST', '/entities/db/effectors/demote', TOKENS.scoped, {})).status).toBe(200);
    const all = (await api.call('GET', '/audit?limit=1000', TOKENS.admin)).body;
    expect(all.find((e) => e['action'] === 'suspend')).toMatchObject({ target: 'web/autoscaler', entity: 'web', path: '/app/web' });
    const scoped = (await api.call('GET', '/audit?limit=1000', TOKENS.scoped)).body;
    expect(scoped.length).toBeGreaterThan(0);
    for (const entry of scoped) expect(String(entry['path'])).toMatch(/^\/app\/db(\/|$)/);
    expect(scoped.some((e) => e['action'] === 'invoke demote')).toBe(true);
  });

  it('keeps an invocation on an entity that has left the tree out of other scopes', async () => {
    const members = api.deployment.tree.get('web').members.map((m) => m.id);
    const last = members.at(-1) as string;
    const started = await api.call('POST', `/entities/${last}/effectors/restart?wait=0`, TOKENS.admin, {});
    expect(started.status).toBe(202);
    expect((await api.call('POST', '/entities/web/effectors/resize', TOKENS.admin, { size: members.length - 1 })).status).toBe(200);
    expect(api.deployment.tree.find(last)).toBeUndefined();
    const poll = String(started.body['poll']);
    expect((await api.call('GET', poll, TOKENS.scoped)).status).toBe(403);
    expect((await api.call('GET', poll, TOKENS.admin)).status).toBe(200);
    await api.clock.advanceBy(5_000); // the restart (1 s boot) ends, so closing waits on nothing
  });
});
