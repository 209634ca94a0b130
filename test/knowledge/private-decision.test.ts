import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { boundDecision } from '../../src/knowledge/bounded-record.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { boundPrivateDecision } from '../../src/knowledge/private-decision.js';
import { isPrivate, privateDecisionWrite } from '../../src/knowledge/private-records.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { WatchedStore, oddValue as odd, picture, readBack } from './private-write-check.js';

/** True when `value` and every object in it are frozen. */
function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

/** A decision as the engine records it for a plan of one action. */
function engineDecision(): Decision {
  return {
    id: 'd-1-1',
    at: 1,
    entity: 'e1',
    policy: 'e1/cpu',
    policyName: 'threshold',
    symptom: { kind: 'above', detail: { value: 0.95, bound: 0.9 } },
    actions: [{ entity: 'e1', effector: 'resize', params: { size: 3, nested: { list: [1, 2] } } }],
    reason: 'over threshold',
    inputs: [{ entity: 'e1', sensor: 'cpu', value: { load: [0.95] }, at: 1 }],
    outcome: 'applied',
    durations: { analyzeMs: 0, planMs: 0.1, executeMs: 0.2 },
  };
}

describe('decisions kept by the memory store without a copy', () => {
  it('are the ones of the engine shape, frozen throughout; any other is copied by the store as before, nothing frozen', async () => {
    const store = new WatchedStore();
    const knowledge = new Knowledge(store, new VirtualClock());
    const emitted: Decision[] = [];
    knowledge.decisions$.subscribe((d) => emitted.push(d));
    knowledge.recordDecision(engineDecision());
    // keys in the engine's order: the outcome's detail and error before the durations
    const { durations, ...failed } = { ...engineDecision(), id: 'd-1-2', outcome: 'failed' as const };
    knowledge.recordDecision({ ...failed, detail: 'boom', error: { code: 'E_X', message: 'boom' }, durations, traceId: 't' });
    knowledge.recordDecision({ ...engineDecision(), id: 'd-1-3', outcome: 'skipped_cooldown', count: 2, lastAt: 5, durations: { analyzeMs: 0, planMs: 0, executeMs: 0 } });
    // an action with steps (shared with the policy's plan), an extra key, an object where a scalar belongs
    knowledge.recordDecision({ ...engineDecision(), id: 'd-1-4', actions: [{ entity: 'e1', effector: 'resize', after: ['x'] }] });
    knowledge.recordDecision({ ...engineDecision(), id: 'd-1-5', extra: { x: 1 } } as Decision);
    knowledge.recordDecision({ ...engineDecision(), entity: { id: 'e1' } } as unknown as Decision);
    await knowledge.flush();
    expect(store.given.map((op) => isPrivate(op))).toEqual([true, true, true, false, false, false]);
    expect(emitted.map((d) => deeplyFrozen(d))).toEqual([true, true, true, false, false, false]);
    expect(emitted.map((d) => Object.isFrozen(d))).toEqual([true, true, true, false, false, false]);
  });

  it('share nothing with the decision recorded: changing it later changes nothing stored or emitted', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    const emitted: Decision[] = [];
    knowledge.decisions$.subscribe((d) => emitted.push(d));
    const decision = engineDecision();
    knowledge.recordDecision(decision);
    await knowledge.flush();
    const before = structuredClone(await knowledge.queryDecisions());
    const emittedBefore = structuredClone(emitted);
    const mutable = decision as unknown as { symptom: { detail: { value: number } }; actions: Array<{ params: { nested: { list: number[] } } }>; inputs: Array<{ value: { load: number[] } }>; durations: { executeMs: number } };
    mutable.symptom.detail.value = 0;
    (mutable.actions[0] as { params: { nested: { list: number[] } } }).params.nested.list.push(3);
    (mutable.inputs[0] as { value: { load: number[] } }).value.load.push(1);
    mutable.durations.executeMs = 99;
    expect(await knowledge.queryDecisions()).toEqual(before);
    expect(emitted).toEqual(emittedBefore);
    expect(emitted[0]?.durations).not.toBe(decision.durations);
  });

  it('cannot be changed by a subscriber: every change throws, and the store keeps what was recorded', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    /** The decision as a subscriber that ignores its type's `readonly` sees it. */
    type Changeable = { reason: string; symptom: { detail: { value: number } }; actions: Array<{ params: { nested: { list: number[] } } }>; inputs: Array<{ value: { load: number[] } }>; durations: { executeMs: number }; outcome?: string };
    const changes: Array<(d: Changeable) => void> = [
      (d) => void (d.reason = 'changed'),
      (d) => void (d.symptom.detail.value = 0),
      (d) => void d.actions.push({ params: { nested: { list: [] } } }),
      (d) => void ((d.actions[0] as Changeable['actions'][number]).params.nested.list[0] = 7),
      (d) => void ((d.inputs[0] as Changeable['inputs'][number]).value.load[0] = 0),
      (d) => void (d.durations.executeMs = 99),
      (d) => void delete d.outcome,
    ];
    const thrown: unknown[] = [];
    knowledge.decisions$.subscribe((d) => {
      for (const change of changes) {
        try {
          change(d as unknown as Changeable);
        } catch (error) {
          thrown.push(error);
        }
      }
    });
    knowledge.recordDecision(engineDecision());
    await knowledge.flush();
    expect(thrown).toHaveLength(changes.length);
    expect(thrown.every((e) => e instanceof TypeError)).toBe(true);
    const [stored] = await knowledge.queryDecisions();
    expect(stored).toEqual({ ...engineDecision(), actions: [{ entity: 'e1', effector: 'resize', params: { size: 3, nested: { list: [1, 2] } } }] });
    // a reader's copy is its own, and may be changed
    (stored as unknown as { reason: string }).reason = 'reader';
    expect((await knowledge.queryDecisions())[0]?.reason).toBe('over threshold');
  });

  // an odd value now and then: most records keep the engine's shape, so both ways of bounding are exercised
  const field = (usual: fc.Arbitrary<unknown>) => fc.oneof({ weight: 60, arbitrary: usual }, { weight: 1, arbitrary: odd });
  const text = fc.string({ maxLength: 6 });
  const action = fc.oneof(
    { weight: 15, arbitrary: fc.record({ entity: field(text), effector: field(text), params: odd }, { requiredKeys: ['entity', 'effector'], noNullPrototype: true }) },
    { weight: 1, arbitrary: fc.record({ entity: field(text), effector: field(text), params: odd, after: fc.array(text, { maxLength: 1 }) }, { requiredKeys: ['entity', 'effector'], noNullPrototype: true }) },
  );
  const input = fc.record({ entity: field(text), sensor: field(text), value: odd, at: field(fc.double()), stale: field(fc.boolean()) }, { requiredKeys: ['entity', 'sensor', 'value', 'at'], noNullPrototype: true });
  const decision = fc
    .record(
      {
        id: field(text),
        at: field(fc.double()),
        entity: field(text),
        policy: field(text),
        policyName: field(text),
        symptom: fc.record({ kind: text, detail: odd }, { requiredKeys: ['kind'], noNullPrototype: true }),
        actions: fc.array(action, { maxLength: 3 }),
        reason: text,
        inputs: fc.array(input, { maxLength: 3 }),
        outcome: field(fc.constantFrom('applied', 'failed', 'skipped_cooldown')),
        detail: text,
        error: field(fc.record({ code: text, message: text }, { noNullPrototype: true })),
        durations: field(fc.record({ analyzeMs: field(fc.double()), planMs: fc.double(), executeMs: fc.double() }, { noNullPrototype: true })),
        traceId: field(text),
        count: field(fc.nat()),
        lastAt: field(fc.double()),
      },
      { requiredKeys: ['id', 'at', 'entity', 'policy', 'policyName', 'symptom', 'actions', 'reason', 'inputs', 'outcome'], noNullPrototype: true },
    )
    // now and then an extra key, or no prototype (a record made with Object.create(null))
    .chain((d) => fc.oneof({ weight: 20, arbitrary: fc.constant(d) }, { weight: 1, arbitrary: odd.map((extra) => ({ ...d, extra })) }, { weight: 1, arbitrary: fc.constant(Object.assign(Object.create(null) as object, d)) }))
    .map((d) => d as unknown as Decision);

  it('read back as the store read back its own copy of the bounded decision', async () => {
    await fc.assert(
      fc.asyncProperty(decision, async (d) => {
        // before: the bounded decision, copied by the store on write
        const expected = await readBack((store) => store.write([{ kind: 'decision', value: boundDecision(d) }]), (store) => store.queryDecisions({}));
        // now: as the knowledge front hands it over
        const actual = await readBack((store) => {
          const frozen = boundPrivateDecision(d);
          return store.write([frozen ? privateDecisionWrite(frozen) : { kind: 'decision', value: boundDecision(d) }]);
        }, (store) => store.queryDecisions({}));
        expect(actual).toStrictEqual(expected);
      }),
      { numRuns: 2_000 },
    );
  });

  it('bounded as one frozen literal per part keep the keys, order and values bounding keeps, and share no object with the record', () => {
    /** The objects in a value. */
    const objects = (value: unknown, into = new Set<object>()): Set<object> => {
      if (typeof value === 'object' && value !== null && !into.has(value)) {
        into.add(value);
        for (const item of Object.values(value)) objects(item, into);
      }
      return into;
    };
    let frozen = 0;
    fc.assert(
      fc.property(decision, (d) => {
        let general: unknown;
        try {
          general = picture(boundDecision(d));
        } catch (error) {
          general = `threw ${(error as Error).name}`;
        }
        const made = boundPrivateDecision(d);
        if (!made) return;
        frozen++;
        expect(picture(made)).toStrictEqual(general);
        expect(deeplyFrozen(made)).toBe(true);
        const theirs = objects(d);
        expect([...objects(made)].filter((o) => theirs.has(o))).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
    // most random records are of the engine's shape: the property was checked, not skipped
    expect(frozen).toBeGreaterThan(500);
  });
});
