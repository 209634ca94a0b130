import { NEVER } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePolicy } from '../../src/policies/define-policy.js';
import { apiFixture } from './fixture.js';

// /ready is asked every few seconds by an orchestrator and by anyone (no token): it names at most ten stopped
// policies and counts the rest, without a status per policy (200,000 policies took 200-370 ms a probe).

const idle = definePolicy({ name: 'idle', config: z.object({}), monitor: () => NEVER, analyze: (source) => source, plan: () => undefined });

let api: Awaited<ReturnType<typeof apiFixture>>;
beforeAll(async () => {
  api = await apiFixture();
});
afterAll(async () => {
  await api?.close();
});

describe('GET /ready with stopped policies', () => {
  it('is ready while every policy runs, and counts the policies', async () => {
    const web = api.deployment.tree.get('web');
    for (let i = 0; i < 14; i++) api.deployment.engine.attach(web, idle, {}, { id: `idle-${i}` });
    const ready = await api.call('GET', '/ready', undefined);
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ ready: true, policies: 15 });
  });

  it('names ten stopped policies and counts the others once the loops stop', async () => {
    await api.deployment.engine.stopLoops({ graceMs: 0 });
    const ready = await api.call('GET', '/ready', undefined);
    expect(ready.status).toBe(503);
    expect(ready.body['reason']).toMatch(/^policies stopped: web\/autoscaler, idle-0, idle-1, .*idle-8 and 5 more$/);
    expect(ready.body['policies']).toBe(15);
  });
});
