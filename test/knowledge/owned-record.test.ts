// Knowledge builds the records of the engine's shape in one pass (bounded, redacted and copied) and the memory
// store keeps them without copying them again: these check that the record is the one the general path (bound,
// then the store's copy) gives, and that nobody holding anything of it (the caller, a decisions$ subscriber, a
// reader) can change what the store holds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { boundDecision, boundInvocation } from '../../src/knowledge/bounded-record.js';
import { copyWriteOp } from '../../src/knowledge/copy-known-record.js';
import type { Decision } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { isOwnedWrite, ownDecision, ownInvocation, ownedDecisionWrite } from '../../src/knowledge/owned-record.js';
import { copyOwnedDecision } from '../../src/knowledge/owned-decision-copy.js';
import type { WriteOp } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { decision, engineDecision, engineInvocation, invocation, objectsIn, outcome, picture } from './record-arbitraries.js';

/** What the general path stores for a decision: its bounded record as the store copies it (or the error on the way). */
function storedDecision(d: unknown): unknown {
  return outcome(() => {
    const op = copyWriteOp({ kind: 'decision', value: boundDecision(d as Decision) });
    return op.kind === 'decision' ? op.value : undefined;
  });
}

function storedInvocation(r: unknown): unknown {
  return outcome(() => {
    const op = copyWriteOp({ kind: 'invocation', value: boundInvocation(r as InvocationRecord) });
    return op.kind === 'invocation' ? op.value : undefined;
  });
}

/** Sets every own key of every object reachable from `value` (arrays too) and adds one: a caller or subscriber doing its worst. */
function tamper(value: unknown): void {
  for (const object of objectsIn(value)) {
    if (object instanceof Map) object.clear();
    if (Object.isFrozen(object)) continue;
    const record = object as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = 'tampered';
    record['added'] = 'tampered';
  }
}

const anyDecision = fc.oneof(engineDecision, decision);

function simple(): Decision {
  return { id: 'd', at: 0, entity: 'e', policy: 'p', policyName: 'n', symptom: { kind: 'k' }, actions: [], reason: 'r', inputs: [], outcome: 'applied', durations: { analyzeMs: 0, planMs: 0, executeMs: 0 } };
}
const anyInvocation = fc.oneof(engineInvocation, invocation);

describe('records Knowledge builds for the store', () => {
  it('are the store copy of the bounded record (keys in order, same values), and a decision of the engine shape is always built', () => {
    fc.assert(
      fc.property(anyDecision, (d) => {
        const owned = ownDecision(d as Decision);
        if (owned === undefined) return;
        expect({ copy: picture(owned) }).toStrictEqual(storedDecision(d));
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(engineDecision, (d) => {
        const owned = ownDecision(d as Decision);
        expect(owned).toBeDefined();
        expect({ copy: picture(owned) }).toStrictEqual(storedDecision(d));
      }),
      { numRuns: 1_000 },
    );
  });

  it('are the store copy of the bounded invocation record, built for every record of the invoker shape', () => {
    fc.assert(
      fc.property(anyInvocation, (r) => {
        const owned = ownInvocation(r as InvocationRecord);
        if (owned === undefined) return;
        expect({ copy: picture(owned) }).toStrictEqual(storedInvocation(r));
      }),
      { numRuns: 2_000 },
    );
    fc.assert(
      fc.property(engineInvocation, (r) => {
        expect(ownInvocation(r as InvocationRecord)).toBeDefined();
      }),
      { numRuns: 300 },
    );
  });

  it('share no object with their source, and the copy emitted on decisions$ is the bounded record and shares none with them', () => {
    fc.assert(
      fc.property(engineDecision, (d) => {
        const owned = ownDecision(d as Decision) as Decision;
        const emitted = copyOwnedDecision(owned);
        const sources = objectsIn(d);
        const stored = objectsIn(owned);
        for (const object of stored) expect(sources.has(object)).toBe(false);
        for (const object of objectsIn(emitted)) expect(stored.has(object) || sources.has(object)).toBe(false);
        expect(picture(emitted)).toStrictEqual(picture(boundDecision(d as Decision)));
      }),
      { numRuns: 500 },
    );
  });

  it('give up on what the general path treats otherwise: a hole, an object where the engine has text, a key out of order', () => {
    const own = (d: Record<string, unknown>) => ownDecision(d as unknown as Decision);
    const base = simple() as unknown as Record<string, unknown>;
    expect(own(base)).toBeDefined();
    expect(own({ ...base, actions: [{ entity: 'e', effector: 'x' }, , { entity: 'e', effector: 'y' }] })).toBeUndefined();
    expect(own({ ...base, entity: { name: 'e' } })).toBeUndefined();
    expect(own({ ...base, durations: { analyzeMs: 0, planMs: 0, executeMs: 0, when: new Date(0) } })).toBeUndefined();
    const { id, ...rest } = base;
    expect(own({ ...rest, id })).toBeUndefined(); // id last
    expect(own({ ...base, symptom: { kind: 'k', detail: new Date(0) } })).toBeDefined(); // redact makes the Date text
    expect(own({ ...base, reason: 5 })).toBeUndefined();
    expect(() => boundDecision({ ...base, reason: 5 } as unknown as Decision)).toThrow(); // the general path refuses it
  });

  it('are marked on the write Knowledge makes, not on anything a caller can build or copy', () => {
    const owned = ownDecision(simple()) as Decision;
    const write = ownedDecisionWrite(owned);
    expect(isOwnedWrite(write)).toBe(true);
    expect(Object.keys(write)).toEqual(['kind', 'value']);
    expect(isOwnedWrite({ ...write })).toBe(false);
    expect(isOwnedWrite({ kind: 'decision', value: owned })).toBe(false);
    expect(isOwnedWrite(Object.create(Object.getPrototypeOf(write) as object) as WriteOp)).toBe(false);
    expect(isOwnedWrite(structuredClone(write))).toBe(false);
  });
});

describe('what the memory store holds of a recorded decision', () => {
  it('changes for nobody: the caller, a decisions$ subscriber (at once or later), a reader, changing every object they hold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(anyDecision, anyInvocation, fc.boolean()), { minLength: 1, maxLength: 4 }), async (records) => {
        const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
        const emitted: Decision[] = [];
        knowledge.decisions$.subscribe((d) => emitted.push(d));
        const recorded: Array<[unknown, unknown]> = [];
        for (const [d, r, again] of records) {
          try {
            knowledge.recordDecision(d as Decision);
            // a coalesced record: the same id written again, with a count
            if (again && typeof d === 'object' && d !== null) knowledge.recordDecision({ ...(d as Decision), count: 2 });
          } catch {
            // refused by the bound (not text where text is expected): nothing recorded
          }
          try {
            knowledge.recordInvocation(r as InvocationRecord);
          } catch {
            // as above
          }
          recorded.push([d, r]);
        }
        await knowledge.flush().catch(() => undefined);
        const read = async () => ({ decisions: picture(await knowledge.queryDecisions({ limit: 100 })), invocations: picture(await knowledge.queryInvocations({ limit: 100 })) });
        const before = await read();
        const copies = [await knowledge.queryDecisions({ limit: 100 }), await knowledge.queryInvocations({ limit: 100 })];
        tamper(recorded);
        tamper(emitted);
        tamper(copies);
        expect(await read()).toStrictEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('is not changed by a decisions$ subscriber that changes its record as soon as it gets it', async () => {
    await fc.assert(
      fc.asyncProperty(engineDecision, async (d) => {
        const knowledge = new Knowledge(new MemoryStore(), new VirtualClock());
        knowledge.decisions$.subscribe((emitted) => tamper(emitted));
        const expected = storedDecision(structuredClone(d));
        knowledge.recordDecision(d as Decision);
        tamper(d);
        await knowledge.flush();
        const [stored] = await knowledge.queryDecisions({});
        expect({ copy: picture(stored) }).toStrictEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a record built for it as it is, and copies any other', async () => {
    const store = new MemoryStore();
    const owned = ownDecision(simple()) as Decision;
    const other = { ...owned, id: 'o' };
    await store.write([ownedDecisionWrite(owned), { kind: 'decision', value: other }]);
    (other as { reason: string }).reason = 'changed';
    expect((await store.getDecision('o'))?.reason).toBe('r');
    expect(await store.getDecision('d')).toEqual(owned);
    expect(await store.getDecision('d')).not.toBe(owned); // readers get their copy
  });
});
