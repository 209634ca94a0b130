import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TOKENS, apiFixture } from './fixture.js';

let api: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  api = await apiFixture();
});
afterAll(async () => {
  await api?.close();
});

/** The JSON schema as built afresh for each request before schemas were kept. */
const fresh = (schema: z.ZodType): unknown => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });

describe('JSON schemas in answers, built once per zod schema', () => {
  it('answers GET /entities/:id byte for byte the same twice, each effector with the schema built afresh', async () => {
    const first = await api.call('GET', '/entities/web', TOKENS.viewer);
    const second = await api.call('GET', '/entities/web', TOKENS.viewer);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    const web = api.deployment.tree.get('web');
    const shown = first.body['effectors'] as Array<{ name: string; params: unknown }>;
    expect(shown.map((e) => e.name)).toEqual(web.effectors.map((e) => e.name));
    for (const effector of web.effectors) expect(shown.find((e) => e.name === effector.name)?.params).toEqual(fresh(effector.params));
  });

  it('shows members of one type the same effector schemas', async () => {
    const one = await api.call('GET', '/entities/web-1', TOKENS.viewer);
    const two = await api.call('GET', '/entities/web-2', TOKENS.viewer);
    expect(two.body['effectors']).toEqual(one.body['effectors']);
    const member = api.deployment.tree.get('web-2');
    expect((two.body['effectors'] as Array<{ params: unknown }>).map((e) => e.params)).toEqual(member.effectors.map((e) => fresh(e.params)));
  });

  it("answers GET /policies/:id the same twice, its config schema built afresh", async () => {
    const first = await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.viewer);
    const second = await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.viewer);
    expect(first.status).toBe(200);
    expect(second.text).toBe(first.text);
    expect(first.body['configSchema']).toEqual(fresh(api.deployment.engine.attachment('web/autoscaler').definition.config));
  });
});
