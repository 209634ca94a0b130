// A 401 goes to a caller who is not authenticated: it says why in a fixed phrase, never the detail, which can
// name the identity provider (a JOSE error about an unreachable JWKS carries its address, and a credential in its
// query string). The detail is kept for the audit log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture } from './fixture.js';

const JWKS = 'http://127.0.0.1:9/realms/internal/certs?access_token=s3cr3t';

describe('a 401 tells an anonymous caller nothing of the service configuration', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture({ auth: { jwksUrl: JWKS } });
  });
  afterAll(async () => api.close());

  it('a made-up RS256 token while the JWKS is unreachable: neither the body nor the challenge names the JWKS address', async () => {
    const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const token = `${part({ alg: 'RS256', kid: 'any' })}.${part({ sub: 'x' })}.AAAA`;
    const response = await fetch(`${api.url}/entities/db/effectors/fence`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    const text = await response.text();
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(JSON.parse(text)).toEqual({ error: 'a valid bearer token is needed', reason: 'the token was refused' });
    for (const leaked of ['127.0.0.1:9', 'realms/internal', 's3cr3t']) {
      expect(text, 'body').not.toContain(leaked);
      expect(challenge, 'WWW-Authenticate').not.toContain(leaked);
    }
  });
});
