import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function decision(n: number, extra: Partial<Decision> = {}): Decision {
  return {
    id: `d${n}`, at: n * 1000, entity: n % 2 ? 'web' : 'db', policy: n % 2 ? 'web/autoscaler' : 'db/restarter', policyName: 'p',
    symptom: { kind: 'x' }, actions: [], reason: 'r', inputs: [], outcome: n % 3 ? 'applied' : 'dry_run',
    durations: { analyzeMs: 0, planMs: 0, executeMs: 0 }, ...extra,
  };
}

/** A store that fails its first `failures` writes, then records what it applied, in order. */
class FlakyStore extends MemoryStore {
  applied: WriteOp[] = [];
  constructor(private failures: number) { super(); }
  override async write(ops: readonly WriteOp[]): Promise<void> {
    if (this.failures-- > 0) throw new Error('connection reset');
    this.applied.push(...ops);
    return super.write(ops);
  }
}

describe('Knowledge', () => {
  it('answers decision queries by entity, policy, outcome and time range, newest first', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    for (let n = 1; n <= 12; n++) knowledge.recordDecision(decision(n));
    expect((await knowledge.queryDecisions({ entity: 'web' })).map((d) => d.id)).toEqual(['d11', 'd9', 'd7', 'd5', 'd3', 'd1']);
    expect((await knowledge.queryDecisions({ policy: 'db/restarter', outcome: 'dry_run' })).map((d) => d.id)).toEqual(['d12', 'd6']);
    expect((await knowledge.queryDecisions({ from: 4000, to: 6000 })).map((d) => d.id)).toEqual(['d6', 'd5', 'd4']);
    expect(await knowledge.queryDecisions({ limit: 2 })).toHaveLength(2);
    expect((await knowledge.getDecision('d7'))?.entity).toBe('web');
  });

  it('keeps the newest records within the retention bound', async () => {
    const knowledge = new Knowledge(new MemoryStore({ maxDecisions: 5 }), new VirtualClock());
    for (let n = 1; n <= 100; n++) knowledge.recordDecision(decision(n));
    expect((await knowledge.queryDecisions({ limit: 100 })).map((d) => d.id)).toEqual(['d100', 'd99', 'd98', 'd97', 'd96']);
    expect(await knowledge.getDecision('d1')).toBeUndefined();
  });

  it('copies what it records: changing the object afterwards changes nothing stored', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    const d = { ...decision(1), reason: 'original' };
    knowledge.recordDecision(d);
    await knowledge.flush();
    (d as { reason: string }).reason = 'tampered';
    expect((await knowledge.getDecision('d1'))?.reason).toBe('original');
  });

  it('never makes the loop wait: records return at once, and reach the store in order', async () => {
    const store = new FlakyStore(0);
    const knowledge = new Knowledge(store, new VirtualClock());
    knowledge.recordDecision(decision(1));
    knowledge.policyState('p').set('k', 1);
    knowledge.recordDecision(decision(2));
    expect(store.applied).toEqual([]); // nothing written synchronously
    expect(knowledge.policyState('p').get('k')).toBe(1); // yet state reads see the write at once
    await knowledge.flush();
    expect(store.applied.map((op) => op.kind)).toEqual(['decision', 'state', 'decision']);
  });

  it('keeps writes when the store fails, retries with backoff on the scheduler, and loses nothing', async () => {
    const clock = new VirtualClock();
    const store = new FlakyStore(2);
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 500 });
    const errors: string[] = [];
    knowledge.errors$.subscribe((e) => errors.push(e.message));
    knowledge.recordDecision(decision(1));
    await clock.settle();
    knowledge.recordDecision(decision(2));
    expect(knowledge.pending).toBe(2);
    await clock.advanceBy(500); // second attempt fails too
    expect(errors).toEqual(['connection reset', 'connection reset']);
    await clock.advanceBy(999);
    expect(store.applied).toEqual([]);
    await clock.advanceBy(1); // third attempt after 1000 ms succeeds
    expect(store.applied.map((op) => (op.kind === 'decision' ? op.value.id : op.kind))).toEqual(['d1', 'd2']);
    expect(knowledge.pending).toBe(0);
  });

  it('restores policy state from the store when opened (a restarted service resumes)', async () => {
    const store = new MemoryStore();
    const first = new Knowledge(store, new VirtualClock());
    first.policyState('web/restarter').set('restarts', [1000, 2000]);
    await first.close();
    const second = new Knowledge(store, new VirtualClock());
    await second.open();
    expect(second.policyState('web/restarter').get('restarts')).toEqual([1000, 2000]);
    expect(second.policyState('web/restarter').keys()).toEqual(['restarts']);
  });
});
