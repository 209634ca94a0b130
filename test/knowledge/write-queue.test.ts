import { describe, expect, it, vi } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function decision(id: string, extra: Partial<Decision> = {}): Decision {
  return {
    id, at: 0, entity: 'web', policy: 'web/p', policyName: 'p', symptom: { kind: 'x' }, actions: [], reason: 'r', inputs: [],
    outcome: 'applied', durations: { analyzeMs: 0, planMs: 0, executeMs: 0 }, ...extra,
  };
}

/** A store that refuses any batch holding the decision `poison`, and can be switched off as a whole. */
class PickyStore extends MemoryStore {
  down = false;
  override async write(ops: readonly WriteOp[]): Promise<void> {
    if (this.down) throw new Error('connection refused');
    if (ops.some((op) => op.kind === 'decision' && op.value.id === 'poison')) throw new RangeError('Maximum call stack size exceeded');
    return super.write(ops);
  }
}

/** A store that, on every batch it writes, has one more decision recorded: writes that never stop coming. */
class BusyStore extends MemoryStore {
  batches = 0;
  constructor(private readonly more: () => void) {
    super();
  }

  override async write(ops: readonly WriteOp[]): Promise<void> {
    await super.write(ops);
    if (++this.batches < 1_000) this.more();
  }
}

/** A store that records the size of every batch it is given, and times out (as Redis would) on one above `limit`. */
class SizedStore extends MemoryStore {
  readonly batches: number[] = [];
  constructor(private readonly limit: number) {
    super();
  }
  override async write(ops: readonly WriteOp[]): Promise<void> {
    this.batches.push(ops.length);
    if (ops.length > this.limit) throw new Error('Command timed out');
    return super.write(ops);
  }
}

describe('the knowledge write queue', () => {
  it('flushes the writes queued before the call, while new writes keep coming', async () => {
    const clock = new VirtualClock();
    let next = 0;
    // called only once the store writes, after `knowledge` exists
    const store = new BusyStore(() => knowledge.recordDecision(decision(`later${++next}`)));
    const knowledge = new Knowledge(store, clock);
    knowledge.recordDecision(decision('first'));
    await knowledge.flush();
    expect(await store.getDecision('first')).toBeDefined();
    // a flush that waited for an empty queue would return only when the store stops taking more (1,000 batches)
    expect(store.batches).toBeLessThan(10);
  });

  it('sends a backlog in batches of at most maxBatch, in order, so no batch outlasts the store\'s timeout', async () => {
    const clock = new VirtualClock();
    const store = new SizedStore(300);
    const knowledge = new Knowledge(store, clock, { maxBatch: 250 });
    for (let i = 0; i < 1_001; i++) knowledge.recordDecision(decision(`d${i}`, { at: i }));
    await knowledge.flush();
    expect(store.batches).toEqual([250, 250, 250, 250, 1]);
    expect(knowledge.health()).toMatchObject({ ok: true, pending: 0, dropped: 0 });
    const newest = await knowledge.queryDecisions({ limit: 3 });
    expect(newest.map((d) => d.id)).toEqual(['d1000', 'd999', 'd998']);
  });

  it('drops one record that the store refuses while it takes the others: counted, reported, the rest go on', async () => {
    const clock = new VirtualClock();
    const store = new PickyStore();
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
    const errors: string[] = [];
    knowledge.errors$.subscribe((e) => errors.push(`${(e as { code?: string }).code ?? e.name}: ${e.message}`));
    knowledge.recordDecision(decision('poison'));
    for (let i = 1; i <= 5; i++) knowledge.recordDecision(decision(`d${i}`));
    await clock.settle();
    expect(knowledge.health()).toMatchObject({ ok: false, failing: true });
    expect(knowledge.health().reason).toMatch(/knowledge store is failing: Maximum call stack/);
    await clock.advanceBy(100 + 200 + 400);
    expect(knowledge.pending).toBe(0);
    expect(knowledge.health()).toEqual({ ok: true, pending: 0, dropped: 1, fenced: 0, failing: false });
    expect(errors.at(-1)).toMatch(/^E_WRITE_DROPPED: a write of decision poison failed 3 times/);
    expect((await knowledge.queryDecisions({ limit: 10 })).map((d) => d.id)).toEqual(['d5', 'd4', 'd3', 'd2', 'd1']);
    // and the queue keeps flowing afterwards
    knowledge.recordDecision(decision('d6'));
    expect((await knowledge.getDecision('d6'))?.id).toBe('d6');
  });

  it('keeps every write while the whole store is down (nothing dropped), reads what the store has, and recovers', async () => {
    const clock = new VirtualClock();
    const store = new PickyStore();
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
    knowledge.recordDecision(decision('before'));
    await knowledge.flush();
    store.down = true;
    for (let i = 1; i <= 4; i++) knowledge.recordDecision(decision(`d${i}`));
    await clock.advanceBy(10_000);
    expect(knowledge.health()).toMatchObject({ ok: false, failing: true, dropped: 0, pending: 4 });
    await expect(knowledge.flush()).rejects.toMatchObject({ code: 'E_KNOWLEDGE_UNAVAILABLE' });
    // a reader is not failed by the write path: it gets what the store holds
    expect((await knowledge.queryDecisions()).map((d) => d.id)).toEqual(['before']);
    store.down = false;
    await clock.advanceBy(30_000);
    expect(knowledge.health()).toMatchObject({ ok: true, dropped: 0, pending: 0 });
    expect((await knowledge.queryDecisions()).map((d) => d.id)).toEqual(['d4', 'd3', 'd2', 'd1', 'before']);
  });

  it('reports not ready when more writes wait than its bound, and sheds the oldest records past its hard bound', async () => {
    const clock = new VirtualClock();
    const store = new PickyStore();
    store.down = true;
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100, readyBound: 3, maxPending: 5 });
    knowledge.policyState('p').set('k', 1);
    for (let i = 1; i <= 8; i++) knowledge.recordDecision(decision(`d${i}`));
    store.down = false; // the store works, but the writes have not been flushed yet
    expect(knowledge.pending).toBe(5);
    expect(knowledge.health()).toMatchObject({ ok: false, dropped: 4 });
    expect(knowledge.health().reason).toMatch(/5 writes wait for the knowledge store \(bound 3\)/);
    await knowledge.flush();
    expect(knowledge.health().ok).toBe(true);
    expect((await knowledge.queryDecisions()).map((d) => d.id)).toEqual(['d8', 'd7', 'd6', 'd5']);
    expect((await store.loadPolicyStates()).get('p')?.get('k')).toBe(1); // policy state is never shed
  });

  it('bounds what a record holds: a body nested 10 000 levels deep is cut and marked, secrets redacted at any depth', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    let wrapped: Record<string, unknown> = { password: 'hunter2' };
    for (let i = 0; i < 12; i++) wrapped = { nested: wrapped };
    knowledge.recordInvocation({ id: 'i1', at: 0, entity: 'web', effector: 'resize', caller: { kind: 'person', name: 'x' }, params: { deep, wrapped, long: 'x'.repeat(10_000) }, outcome: 'rejected', attempts: 0, durationMs: 0 });
    const [record] = await knowledge.queryInvocations();
    const text = JSON.stringify(record);
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain('[truncated: deeper than 16 levels]');
    expect(text).toContain('[truncated: 5904 more characters]');
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"password":"[redacted]"');
  });

  it('queues one microtask for a burst of records, not one per record, and writes the burst as one batch', async () => {
    const store = new SizedStore(1_000);
    const knowledge = new Knowledge(store, new VirtualClock());
    const queued = vi.spyOn(globalThis, 'queueMicrotask');
    try {
      for (let i = 0; i < 100; i++) knowledge.recordDecision(decision(`d${i}`));
      expect(queued).toHaveBeenCalledTimes(1);
    } finally {
      queued.mockRestore();
    }
    await knowledge.flush();
    expect(store.batches).toEqual([100]);
    expect((await knowledge.queryDecisions({ limit: 1_000 })).map((d) => d.id)).toEqual(Array.from({ length: 100 }, (_, i) => `d${99 - i}`));
  });

  it('takes a store whose write throws at once (not a rejected promise) as a failed write: reported, kept and retried', async () => {
    const clock = new VirtualClock();
    /** Throws from write itself (a store that checks its connection before making a promise) until it is up. */
    class EagerStore extends MemoryStore {
      up = false;
      override write(ops: readonly WriteOp[]): Promise<void> {
        if (!this.up) throw new Error('not connected');
        return super.write(ops);
      }
    }
    const store = new EagerStore();
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
    const errors: string[] = [];
    knowledge.errors$.subscribe((e) => errors.push(e.message));
    knowledge.recordDecision(decision('d1'));
    knowledge.recordDecision(decision('d2'));
    await Promise.resolve();
    await Promise.resolve();
    expect(errors).toEqual(['not connected']);
    expect(knowledge.degraded).toBe(true);
    await expect(knowledge.flush()).rejects.toThrow(/knowledge store is failing; writes are kept and retried \(not connected\)/);
    store.up = true;
    await clock.advanceBy(100);
    await knowledge.flush();
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['d2', 'd1']);
    expect(knowledge.degraded).toBe(false);
  });
});

