import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decisionRecord, ownDecisionRecord, type RecordExtra } from '../../../src/core/engine/decision-record.js';
import type { PolicyAttachment } from '../../../src/core/engine/attachment.js';
import type { PendingPlan } from '../../../src/core/engine/pending-plan.js';
import { DecisionCoalescer } from '../../../src/core/engine/decision-coalescer.js';
import { boundDecision } from '../../../src/knowledge/bounded-record.js';
import type { DecisionOutcome } from '../../../src/knowledge/decision.js';
import { Knowledge } from '../../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../../src/knowledge/memory-store.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { oddValue as odd, picture } from '../../knowledge/private-write-check.js';

/**
 * The engine builds the decision it records bounded and frozen at once (`ownDecisionRecord`), where it built
 * a record and knowledge bounded it. Over random symptoms and plans (odd details, params and input values,
 * actions of other shapes now and then), whatever it builds must be what bounding its record gives, frozen
 * throughout and sharing no object with the policy's symptom or plan; and a plan it does not build (an
 * action with steps) must still be recorded the general way.
 */

/** True when `value` and every object in it are frozen. */
function deeplyFrozen(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  return Object.isFrozen(value) && Object.values(value).every(deeplyFrozen);
}

/** The objects in a value. */
function objects(value: unknown, into = new Set<object>()): Set<object> {
  if (typeof value === 'object' && value !== null && !into.has(value)) {
    into.add(value);
    for (const item of Object.values(value)) objects(item, into);
  }
  return into;
}

const text = fc.string({ maxLength: 6 });
const action = fc.oneof(
  { weight: 15, arbitrary: fc.record({ entity: text, effector: text, params: odd }, { requiredKeys: ['entity', 'effector'], noNullPrototype: true }) },
  { weight: 1, arbitrary: fc.record({ entity: text, effector: text, after: fc.array(text, { maxLength: 1 }), timeoutMs: fc.nat() }, { requiredKeys: ['entity', 'effector'], noNullPrototype: true }) },
);
const input = fc.record({ entity: text, sensor: text, value: odd, at: fc.double(), stale: fc.boolean() }, { requiredKeys: ['entity', 'sensor', 'value', 'at'], noNullPrototype: true });
const plan = fc.record({
  symptom: fc.record({ kind: text.filter((k) => k !== ''), inputs: fc.array(input, { maxLength: 3 }), detail: odd }, { requiredKeys: ['kind', 'inputs'], noNullPrototype: true }),
  plan: fc.record({ actions: fc.array(action, { maxLength: 3 }), reason: fc.oneof(text, fc.constant('r'.repeat(5_000))) }, { noNullPrototype: true }),
  analyzeMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  planMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  traceId: fc.option(text, { nil: undefined }),
});
const extra: fc.Arbitrary<RecordExtra> = fc.record(
  { executeMs: fc.double({ min: 0, max: 1e6, noNaN: true }), detail: fc.oneof(text, fc.constant('d'.repeat(5_000))), error: fc.record({ code: text, message: text }) },
  { requiredKeys: [], noNullPrototype: true },
);
const outcome = fc.constantFrom<DecisionOutcome>('applied', 'failed', 'skipped_cooldown', 'no_action', 'preempted');

function attachmentOf(entity: string, policy: string): PolicyAttachment {
  return { id: policy, entity: { id: entity }, definition: { name: 'threshold' } } as unknown as PolicyAttachment;
}

describe("the engine's own decision record", () => {
  it('is what bounding the record gives, frozen throughout, sharing no object with the symptom or plan', () => {
    let built = 0;
    fc.assert(
      fc.property(plan, outcome, extra, text, fc.double({ noNaN: true }), (parts, result, more, id, at) => {
        const pending = parts as unknown as PendingPlan;
        const attachment = attachmentOf('e1', 'e1/cpu');
        const own = ownDecisionRecord(attachment, pending, result, more, id, at);
        const general = boundDecision(decisionRecord(attachment, pending, result, more, id, at));
        if (!own) {
          // only a plan with an action of another shape is left to the general way
          expect(pending.plan.actions.some((a) => Object.keys(a).some((k) => k !== 'entity' && k !== 'effector' && k !== 'params'))).toBe(true);
          return;
        }
        built++;
        expect(picture(own)).toStrictEqual(picture(general));
        expect(deeplyFrozen(own)).toBe(true);
        const theirs = objects(parts);
        expect([...objects(own)].filter((o) => theirs.has(o))).toEqual([]);
      }),
      { numRuns: 2_000 },
    );
    expect(built).toBeGreaterThan(1_000);
  });

  it('stays frozen when coalesced, and is stored and emitted as it is: a subscriber cannot change what the store keeps', async () => {
    const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
    const emitted: unknown[] = [];
    knowledge.decisions$.subscribe((d) => emitted.push(d));
    const coalescer = new DecisionCoalescer();
    const pending = { symptom: { kind: 'above', inputs: [{ entity: 'e1', sensor: 'cpu', value: 0.95, at: 1 }], detail: { value: 0.95 } }, plan: { actions: [{ entity: 'e1', effector: 'restart' }], reason: 'hot' }, analyzeMs: 0, planMs: 0 } as unknown as PendingPlan;
    for (const [id, at] of [['d-1', 1], ['d-2', 2]] as const) {
      const own = ownDecisionRecord(attachmentOf('e1', 'e1/cpu'), pending, 'skipped_cooldown', { detail: `${at} ms left` }, id, at);
      if (!own) throw new Error('the plain plan was not built');
      knowledge._recordOwnDecision(coalescer.coalesce(own));
    }
    await knowledge.flush();
    expect(emitted.map((d) => deeplyFrozen(d))).toEqual([true, true]);
    expect(emitted[1]).toMatchObject({ id: 'd-1', at: 1, count: 2, lastAt: 2, detail: '2 ms left' });
    expect(() => ((emitted[1] as { reason: string }).reason = 'changed')).toThrow(TypeError);
    expect(await knowledge.queryDecisions()).toEqual([emitted[1]]);
  });
});
