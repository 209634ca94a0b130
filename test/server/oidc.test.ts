import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import http from 'node:http';
import { SignJWT, exportJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuthSettings } from '../../src/server/auth.js';
import { createAuthenticator } from '../../src/server/authenticator.js';
import { freePort } from '../support/free-port.js';

/** A test identity provider: a real HTTP server serving a JWKS the test rotates, counting fetches. */
class TestProvider {
  keys = new Map<string, { privateKey: KeyObject; jwk: JWK }>();
  served: string[] = [];
  fetches = 0;
  server = http.createServer((request, response) => {
    if (request.url !== '/jwks.json') return void response.writeHead(404).end();
    this.fetches++;
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: this.served.map((kid) => this.keys.get(kid)?.jwk) }));
  });
  url = '';

  async start(): Promise<void> {
    const port = await freePort();
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}/jwks.json`;
  }

  async addKey(kid: string, kind: 'rsa' | 'ec'): Promise<void> {
    const pair = kind === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keys.set(kid, { privateKey: pair.privateKey, jwk: { ...(await exportJWK(pair.publicKey)), kid, alg: kind === 'rsa' ? 'RS256' : 'ES256', use: 'sig' } });
  }

  /** Signs claims with one of its keys, valid for an hour from `nowMs`. */
  sign(kid: string, claims: Record<string, unknown>, nowMs: number, options: { issuer?: string; audience?: string; expSeconds?: number } = {}): Promise<string> {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`no key ${kid}`);
    const seconds = Math.floor(nowMs / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.jwk.alg as string, kid })
      .setIssuedAt(seconds)
      .setExpirationTime(seconds + (options.expSeconds ?? 3600))
      .setIssuer(options.issuer ?? 'https://idp.example/realms/ops')
      .setAudience(options.audience ?? 'homeostat')
      .sign(key.privateKey);
  }
}

const provider = new TestProvider();
beforeAll(async () => {
  await provider.start();
  for (const kid of ['k1', 'k2', 'k3']) await provider.addKey(kid, kid === 'k2' ? 'ec' : 'rsa');
});
afterAll(() => provider.server.close());

/** An authenticator over the provider, its clock virtual (advanced by the test, never slept on). */
function authenticator(extra: Record<string, unknown> = {}) {
  const clock = { now: Date.UTC(2026, 0, 1) };
  const settings = parseAuthSettings({ jwksUrl: provider.url, jwtIssuer: 'https://idp.example/realms/ops', jwtAudience: 'homeostat', ...extra });
  const authenticate = createAuthenticator(settings, () => clock.now);
  const as = async (token: string) => authenticate(`Bearer ${token}`);
  return { clock, as };
}

describe('a JWKS with rotating keys, cached with a bounded refetch', () => {
  it('refetches once for an unknown kid past the cooldown, shares concurrent refetches, and keeps keys while the provider is down', async () => {
    provider.served = ['k1'];
    provider.fetches = 0;
    const { clock, as } = authenticator({ jwksCooldownSeconds: 30, jwksMaxAgeSeconds: 600 });
    expect(await as(await provider.sign('k1', { sub: 'ann', role: 'viewer' }, clock.now))).toMatchObject({ principal: { name: 'ann', role: 'viewer' } });
    expect(await as(await provider.sign('k1', { sub: 'ann', role: 'viewer' }, clock.now))).toHaveProperty('principal');
    expect(provider.fetches).toBe(1);

    // the provider rotates to k2; within the cooldown, tokens naming unknown kids cost no request at all
    provider.served = ['k2'];
    clock.now += 1_000;
    const early = await as(await provider.sign('k2', { sub: 'bob', role: 'operator' }, clock.now));
    expect(early).toHaveProperty('refused');
    for (let i = 0; i < 50; i++) expect(await as(await provider.sign('k3', { sub: 'eve', role: 'admin' }, clock.now))).toHaveProperty('refused');
    expect(provider.fetches).toBe(1);

    // past the cooldown one refetch brings k2 in and k1 out
    clock.now += 30_000;
    expect(await as(await provider.sign('k2', { sub: 'bob', role: 'operator' }, clock.now))).toMatchObject({ principal: { name: 'bob', role: 'operator' } });
    expect(provider.fetches).toBe(2);
    expect(await as(await provider.sign('k1', { sub: 'ann', role: 'viewer' }, clock.now))).toHaveProperty('refused');
    expect(provider.fetches).toBe(2);

    // twenty concurrent tokens naming a new key share one refetch
    provider.served = ['k2', 'k3'];
    clock.now += 31_000;
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => provider.sign('k3', { sub: `u${i}`, role: 'viewer' }, clock.now)));
    const results = await Promise.all(tokens.map(as));
    expect(results.every((r) => 'principal' in r)).toBe(true);
    expect(provider.fetches).toBe(3);

    // keys older than the max age are refetched even for a known kid; a provider that is down leaves the cache as it was
    clock.now += 600_000;
    provider.served = ['k3'];
    expect(await as(await provider.sign('k3', { sub: 'cy', role: 'viewer' }, clock.now))).toHaveProperty('principal');
    expect(provider.fetches).toBe(4);
    expect(await as(await provider.sign('k2', { sub: 'bob', role: 'operator' }, clock.now))).toHaveProperty('refused');
  });

  it('checks issuer, audience and expiry within the clock skew', async () => {
    provider.served = ['k1'];
    const { clock, as } = authenticator({ clockSkewSeconds: 60 });
    const claims = { sub: 'ann', role: 'viewer' };
    expect(await as(await provider.sign('k1', claims, clock.now, { issuer: 'https://evil.example' }))).toMatchObject({ refused: expect.stringContaining('iss') });
    expect(await as(await provider.sign('k1', claims, clock.now, { audience: 'another-app' }))).toMatchObject({ refused: expect.stringContaining('aud') });
    const token = await provider.sign('k1', claims, clock.now, { expSeconds: 10 });
    clock.now += 60_000; // 50 s past exp, inside the 60 s skew
    expect(await as(token)).toHaveProperty('principal');
    clock.now += 30_000; // 80 s past exp
    expect(await as(token)).toMatchObject({ refused: expect.stringContaining('exp') });
  });
});

describe('role, scope and tenant from the claims an OIDC provider sends', () => {
  it('maps Keycloak realm roles, Dex/Okta groups and Entra app roles through a role map; the highest role wins', async () => {
    provider.served = ['k1', 'k2'];
    const { clock, as } = authenticator({
      claims: { name: 'preferred_username', roles: ['realm_access.roles', 'groups', 'roles'], roleMap: { 'homeostat-viewers': 'viewer', '/ops': 'operator', 'Homeostat.Admin': 'admin' } },
    });
    const keycloak = { sub: 'f1', preferred_username: 'kim', realm_access: { roles: ['offline_access', 'homeostat-viewers'] }, scope: undefined };
    expect(await as(await provider.sign('k1', keycloak, clock.now))).toMatchObject({ principal: { name: 'kim', role: 'viewer' } });
    const dex = { sub: 'f2', preferred_username: 'dex-user', groups: ['homeostat-viewers', '/ops'] };
    expect(await as(await provider.sign('k2', dex, clock.now))).toMatchObject({ principal: { name: 'dex-user', role: 'operator' } });
    const entra = { sub: 'f3', preferred_username: 'ent@corp', roles: ['Homeostat.Admin'], groups: ['/ops'] };
    expect(await as(await provider.sign('k1', entra, clock.now))).toMatchObject({ principal: { role: 'admin' } });
    // no mapped role: refused, never a default role
    expect(await as(await provider.sign('k1', { sub: 'f4', preferred_username: 'x', groups: ['everyone'] }, clock.now))).toMatchObject({ refused: expect.stringContaining('holds a role') });
    expect(await as(await provider.sign('k1', { sub: 'f5', preferred_username: 'y', groups: 7 }, clock.now))).toHaveProperty('refused');
    expect(await as(await provider.sign('k1', { sub: 'f6', groups: ['/ops'] }, clock.now))).toMatchObject({ refused: expect.stringContaining('preferred_username') });
  });

  it('reads space-separated OAuth scopes (scp), maps them to subtrees, and refuses a scope claim that maps to nothing', async () => {
    provider.served = ['k1'];
    const { clock, as } = authenticator({ claims: { roles: ['scp'], roleMap: { 'homeostat.operate': 'operator' }, scope: 'scp', scopeMap: { 'homeostat.web': 'web', 'homeostat.data': ['db', 'cache'] } } });
    expect(await as(await provider.sign('k1', { sub: 'svc', scp: 'openid homeostat.operate homeostat.data' }, clock.now))).toMatchObject({ principal: { role: 'operator', scopes: ['db', 'cache'] } });
    expect(await as(await provider.sign('k1', { sub: 'svc', scp: 'homeostat.operate' }, clock.now))).toMatchObject({ refused: expect.stringContaining('scopeMap') });
  });

  it('takes the tenant from a configurable claim and refuses one that is not an id', async () => {
    provider.served = ['k1'];
    const { clock, as } = authenticator({ claims: { tenant: 'org.id' } });
    expect(await as(await provider.sign('k1', { sub: 'a', role: 'viewer', org: { id: 'acme' } }, clock.now))).toMatchObject({ principal: { tenant: 'acme' } });
    for (const bad of [7, '', 'a b', ['acme']]) expect(await as(await provider.sign('k1', { sub: 'a', role: 'viewer', org: { id: bad } }, clock.now)), JSON.stringify(bad)).toHaveProperty('refused');
  });
});
