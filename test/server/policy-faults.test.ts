// The API said a policy was restarting and how many faults it had, but not why: only the log did. One
// policy's status now lists its newest faults with their phase, message, time and restart delay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import { definePolicy } from '../../src/policies/define-policy.js';
import { TOKENS, apiFixture } from './fixture.js';

const brittle = definePolicy({
  name: 'brittle',
  config: z.object({}),
  monitor: () => {
    throw new Error('cannot reach the metrics endpoint');
  },
  analyze: (source) => source.pipe(map(() => ({ kind: 'never', inputs: [] }))),
  plan: () => undefined,
});

describe('GET /policies/:id says why a policy restarts', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it('lists the newest faults, newest first, each with phase, message, time and restart delay', async () => {
    const db = api.deployment.tree.get('db');
    if (!db) throw new Error('no db in the fixture');
    api.deployment.engine.attach(db, brittle, {}, { id: 'db/brittle' });
    await api.clock.advanceBy(1_000);
    await api.deployment.knowledge.flush();
    const status = await api.call('GET', '/policies/db%2Fbrittle', TOKENS.viewer);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ state: 'restarting', faults: 2 });
    expect(status.body['recentFaults']).toEqual([
      { at: 3_000, policy: 'db/brittle', entity: 'db', phase: 'monitor', message: 'cannot reach the metrics endpoint', restartInMs: 2_000 },
      { at: 2_000, policy: 'db/brittle', entity: 'db', phase: 'monitor', message: 'cannot reach the metrics endpoint', restartInMs: 1_000 },
    ]);
    // a policy that never faulted lists none
    expect((await api.call('GET', '/policies/web%2Fautoscaler', TOKENS.viewer)).body['recentFaults']).toEqual([]);
  });
});
