// Numbers in query strings are checked as decimal text (an empty '?to=' was read as 0), and the OpenAPI document
// still gives their type and bounds, so a generated client knows '?limit=20000' is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFixture } from './fixture.js';

describe('the OpenAPI document keeps the type and bounds of numeric query parameters', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it('GET /decisions and /audit: limit documents its type and bounds', async () => {
    const paths = (await api.call('GET', '/docs', undefined)).body['paths'] as Record<string, { get: { parameters: Array<{ name: string; schema: Record<string, unknown> }> } }>;
    for (const route of ['/decisions', '/audit']) {
      const limit = paths[route]?.get.parameters.find((p) => p.name === 'limit')?.schema;
      expect(limit, route).toMatchObject({ type: 'integer', minimum: 1, maximum: 10_000 });
    }
    const depth = paths['/entities']?.get.parameters.find((p) => p.name === 'depth')?.schema;
    expect(depth).toMatchObject({ type: 'integer', minimum: 0, maximum: 100 });
  });
});
