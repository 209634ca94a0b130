import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { apiFixture, TOKENS } from './fixture.js';

// A live stream outlived the token it was opened with: the token was checked only at connect, so a JWT that
// expired (or a person whose access ended with it) kept receiving decisions for as long as the connection held.

const SECRET = 'a-jwt-secret-of-at-least-32-characters!!';

let api: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  api = await apiFixture({ auth: { jwtSecret: SECRET, clockSkewSeconds: 0 } });
});
afterAll(async () => {
  await api?.close();
});

/** Opens /stream with `token` and reads it until it ends (or `withinMs` pass): what it got, and when it ended. */
async function readStream(token: string, withinMs: number): Promise<{ text: string; endedAfterMs: number | undefined }> {
  const started = Date.now();
  const abort = new AbortController();
  const cut = setTimeout(() => abort.abort(), withinMs);
  let text = '';
  try {
    const response = await fetch(`${api.url}/stream`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
    expect(response.status).toBe(200);
    const decoder = new TextDecoder();
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    return { text, endedAfterMs: Date.now() - started };
  } catch (error) {
    if (abort.signal.aborted) return { text, endedAfterMs: undefined };
    throw error;
  } finally {
    clearTimeout(cut);
  }
}

describe('a live stream and the expiry of its token', () => {
  it('ends when the JWT it was opened with expires, saying so; the token is then refused', async () => {
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = signJwt({ sub: 'ann', role: 'viewer', exp }, SECRET);
    const { text, endedAfterMs } = await readStream(token, 10_000);
    expect(endedAfterMs).toBeDefined();
    // it ends at exp, not before it (within the second exp is counted in) and not long after
    expect(Date.now()).toBeGreaterThanOrEqual(exp * 1000);
    expect(Date.now()).toBeLessThan(exp * 1000 + 1_500);
    expect(text).toContain('event: expired');
    expect((await fetch(`${api.url}/stream`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('holds a stream of a static token, which does not expire', async () => {
    const { text, endedAfterMs } = await readStream(TOKENS.viewer, 1_500);
    expect(endedAfterMs).toBeUndefined();
    expect(text).not.toContain('event: expired');
  });
});
