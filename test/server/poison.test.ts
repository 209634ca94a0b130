import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { TOKENS, apiFixture } from './fixture.js';

let api: Awaited<ReturnType<typeof apiFixture>> | undefined;
afterEach(async () => {
  await api?.close().catch(() => undefined);
  api = undefined;
});

/** A JSON body nested `levels` deep, built as text (stringifying such an object can exhaust the stack). */
function nested(levels: number, leaf: string): string {
  return `${'{"a":'.repeat(levels)}${leaf}${'}'.repeat(levels)}`;
}

/** A store that can be told to fail every write, as when its server goes away. */
class SwitchableStore extends MemoryStore {
  failing = false;
  override async write(ops: readonly WriteOp[]): Promise<void> {
    if (this.failing) throw new Error('connection refused');
    return super.write(ops);
  }
}

describe('one rejected request does not poison the service', () => {
  it('a body nested 10 000 levels deep gets 400, and decisions, audit, readiness and stop keep working', async () => {
    api = await apiFixture();
    const deep = await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, nested(10_000, '{"size":3,"password":"hunter2"}'));
    expect(deep.status).toBe(400);
    expect((await api.call('GET', '/decisions', TOKENS.viewer)).status).toBe(200);
    const audit = await api.call('GET', '/audit?limit=5', TOKENS.admin);
    expect(audit.status).toBe(200);
    // refused before it was parsed: audited with why, and no params (there were none to record)
    const refused = audit.body.find((e) => e['action'] === 'POST /entities/:id/effectors/:effector');
    expect(refused).toMatchObject({ result: 'rejected', entity: 'web', path: '/app/web', status: 400, detail: 'the body is not taken: it nests arrays and objects deeper than 256 levels (refused before parsing)' });
    expect(refused?.['params']).toBeUndefined();
    // one nested within the bound is parsed, and its params recorded cut at the audit's depth
    expect((await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, nested(200, '{"size":3,"password":"hunter2"}'))).status).toBe(400);
    const within = (await api.call('GET', '/audit?limit=5', TOKENS.admin)).body.find((e) => e['action'] === 'invoke resize');
    expect(within).toMatchObject({ result: 'rejected', entity: 'web', path: '/app/web' });
    expect(JSON.stringify(within?.['params'])).toContain('[truncated: deeper than 16 levels]');
    expect(audit.text.length).toBeLessThan(20_000);
    expect(audit.text).not.toContain('hunter2');
    expect((await api.call('GET', '/ready', undefined)).status).toBe(200);
    expect(api.deployment.knowledge.health()).toMatchObject({ ok: true, pending: 0, dropped: 0 });
    // and the service still acts
    expect((await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, { size: 3 })).status).toBe(200);
    await api.close();
    api = undefined;
  });

  it('/ready answers 503 with the reason while the store fails, readers still get answers, and it recovers', async () => {
    const store = new SwitchableStore();
    api = await apiFixture({ store });
    store.failing = true;
    await api.call('POST', '/entities/web/effectors/resize', TOKENS.operator, { size: 3 }); // an invocation record to write
    await api.clock.settle();
    const ready = await api.call('GET', '/ready', undefined);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ ready: false, reason: expect.stringMatching(/knowledge store is failing: connection refused/) });
    expect((await api.call('GET', '/decisions', TOKENS.viewer)).status).toBe(200);
    store.failing = false;
    await api.clock.advanceBy(60_000);
    const back = await api.call('GET', '/ready', undefined);
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ ready: true, pendingWrites: 0, droppedWrites: 0 });
  });
});
