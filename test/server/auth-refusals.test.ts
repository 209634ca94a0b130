// A refused token says why: every 401 was 'a valid bearer token is needed', so a caller whose JWT had expired,
// or was made for another issuer or audience, could not tell that from a mistyped token. The reason is in the
// body and, for a token that was presented, in WWW-Authenticate as RFC 6750 says: one of a few fixed phrases
// (the detail, which can name the identity provider, is for the audit log).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { TOKENS, apiFixture } from './fixture.js';

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';
const now = (): number => Math.floor(Date.now() / 1000);
const claims = { sub: 'ann', role: 'viewer', iss: 'https://id.example', aud: 'homeostat' };

describe('401 answers say why', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture({ auth: { jwtIssuer: 'https://id.example', jwtAudience: 'homeostat' } });
  });
  afterAll(async () => api.close());

  async function refusal(authorization: string | undefined) {
    const response = await fetch(`${api.url}/entities`, { headers: authorization === undefined ? {} : { authorization } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, challenge: response.headers.get('www-authenticate') };
  }

  it.each([
    ['an expired JWT', `Bearer ${signJwt({ ...claims, exp: now() - 3_600 }, SECRET)}`, /^the token has expired$/],
    ['a JWT of another issuer', `Bearer ${signJwt({ ...claims, iss: 'https://evil.example' }, SECRET)}`, /^the token is from another issuer$/],
    ['a JWT for another audience', `Bearer ${signJwt({ ...claims, aud: 'other' }, SECRET)}`, /^the token is for another audience$/],
    ['a JWT not yet valid', `Bearer ${signJwt({ ...claims, nbf: now() + 3_600 }, SECRET)}`, /^the token is not valid yet$/],
    ['a JWT signed with another key', `Bearer ${signJwt(claims, 'another-secret-of-at-least-32-characters')}`, /^the token signature does not verify$/],
    ["a JWT with 'alg: none'", `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`, /^the token algorithm is not accepted$/],
    ['a JWT whose header has non-ASCII and line breaks', `Bearer ${Buffer.from('{"alg":"é\\r\\nX-Evil: 1","kid":"\\"é"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`, /^the token (algorithm is not accepted|is malformed|was refused)$/],
    ['an unknown token', 'Bearer not-a-known-token-at-all', /^unknown token$/],
  ])('%s: 401 with the reason, in the body and the challenge', async (_what, authorization, reason) => {
    const refused = await refusal(authorization);
    expect(refused.status).toBe(401);
    expect(refused.body['error']).toBe('a valid bearer token is needed');
    expect(refused.body['reason']).toMatch(reason);
    expect(refused.challenge).toMatch(/^Bearer error="invalid_token", error_description="[^"\r\n]+"$/);
  });

  it('no token or another scheme: 401 with the reason and a bare challenge', async () => {
    expect(await refusal(undefined)).toMatchObject({ status: 401, body: { reason: 'no bearer token' }, challenge: 'Bearer' });
    expect(await refusal('Basic YWRtaW46YWRtaW4=')).toMatchObject({ status: 401, body: { reason: 'the Authorization header is not a bearer token' }, challenge: 'Bearer' });
  });

  it('a valid token still passes', async () => {
    expect((await api.call('GET', '/entities', signJwt({ ...claims, exp: now() + 60 }, SECRET))).status).toBe(200);
    expect((await api.call('GET', '/entities', TOKENS.viewer)).status).toBe(200);
  });
});
