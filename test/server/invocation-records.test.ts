import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ApiInvocation } from '../../src/server/context.js';
import { InvocationRecords, InvocationRecordsFullError } from '../../src/server/invocation-records.js';

const running = (): ApiInvocation => ({ status: 'running', entity: 'e', path: '/e', effector: 'restart' });

/** The record as it was before the heap: at capacity, a walk in order of arrival to the first finished entry. */
class ScanningRecords {
  readonly entries = new Map<string, ApiInvocation>();
  constructor(readonly capacity: number) {}
  add(id: string, entry: ApiInvocation): void {
    if (this.entries.size >= this.capacity) {
      for (const [key, value] of this.entries) {
        if (this.entries.size < this.capacity) break;
        if (value.status !== 'running') this.entries.delete(key);
      }
      if (this.entries.size >= this.capacity) throw new InvocationRecordsFullError(this.capacity);
    }
    this.entries.set(id, entry);
  }
}

type Step =
  | { readonly kind: 'add'; readonly finished: boolean }
  | { readonly kind: 'settle'; readonly pick: number; readonly failed: boolean }
  | { readonly kind: 'delete'; readonly pick: number }
  /** Invocations that are added finished and deleted at once (as a refused one is), `count` in a row. */
  | { readonly kind: 'churn'; readonly count: number };

/** Histories of adds, endings and deletions; `deletions` weighs how often a kept invocation is deleted. */
const histories = (deletions: number): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('add' as const), finished: fc.boolean() }), weight: 4 },
      { arbitrary: fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), failed: fc.boolean() }), weight: 3 },
      { arbitrary: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }), weight: deletions },
      { arbitrary: fc.record({ kind: fc.constant('churn' as const), count: fc.integer({ min: 1, max: 30 }) }), weight: 1 },
    ),
    { maxLength: 300, size: 'max' },
  );

/** Runs one history on both structures, checking after each step that they keep the same invocations. */
function replay(capacity: number, history: readonly Step[]): void {
  const records = new InvocationRecords(capacity);
  const reference = new ScanningRecords(capacity);
  let next = 0;
  for (const step of history) {
    if (step.kind === 'churn') {
      for (let i = 0; i < step.count && reference.entries.size < capacity; i++) {
        const id = `i${next++}`;
        reference.add(id, { ...running(), status: 'failed' });
        records.add(id, { ...running(), status: 'failed' });
        reference.entries.delete(id);
        records.delete(id);
      }
    } else if (step.kind === 'add') {
      const id = `i${next++}`;
      // one entry object per structure, so that each sees only its own endings
      const make = (): ApiInvocation => (step.finished ? { ...running(), status: 'succeeded' } : running());
      let refused = false;
      try {
        reference.add(id, make());
      } catch {
        refused = true;
      }
      if (refused) expect(() => records.add(id, make())).toThrow(InvocationRecordsFullError);
      else records.add(id, make());
    } else {
      const ids = [...reference.entries.keys()];
      const id = ids[step.pick % Math.max(ids.length, 1)];
      if (id === undefined) continue;
      if (step.kind === 'delete') {
        reference.entries.delete(id);
        records.delete(id);
        continue;
      }
      const outcome = step.failed ? { status: 'failed' as const, error: 'broke', code: 'E_X' } : { status: 'succeeded' as const, result: id };
      Object.assign(reference.entries.get(id)!, outcome);
      records.settle(id, records.get(id)!, outcome);
    }
    expect(records.size).toBe(reference.entries.size);
    // a plain comparison first: histories run to 300 steps, and a matcher per entry per step took most of the time;
    // the matcher still judges (and explains) any entry that is not strictly the same
    for (const [id, entry] of reference.entries) if (!isDeepStrictEqual(records.get(id), entry)) expect(records.get(id)).toEqual(entry);
  }
}

describe('InvocationRecords', () => {
  it('stays within its capacity, forgetting the oldest finished invocations first', () => {
    const records = new InvocationRecords(3);
    const first = running();
    const later = [running(), running(), running()];
    records.add('a', first);
    records.add('b', later[0]!);
    records.add('c', later[1]!);
    records.settle('a', first, { status: 'succeeded', result: 1 });
    records.add('d', later[2]!);
    expect(records.size).toBe(3);
    expect(records.get('a')).toBeUndefined();
    expect(records.get('b')?.status).toBe('running');
    for (const [i, id] of ['b', 'c', 'd'].entries()) records.settle(id, later[i]!, { status: 'succeeded', result: i });
    for (let i = 0; i < 1000; i++) {
      const entry = running();
      records.add(`x${i}`, entry);
      records.settle(`x${i}`, entry, { status: 'failed', error: 'no', code: 'E_X' });
    }
    expect(records.size).toBeLessThanOrEqual(3);
  });

  it('forgets by order of arrival, not of ending: an old invocation that ends late goes first', () => {
    const records = new InvocationRecords(3);
    const entries = [running(), running(), running()];
    for (const [i, entry] of entries.entries()) records.add(`r${i}`, entry);
    records.settle('r2', entries[2]!, { status: 'succeeded', result: 2 });
    records.settle('r0', entries[0]!, { status: 'succeeded', result: 0 });
    records.add('next', running());
    expect(records.get('r0')).toBeUndefined();
    expect(records.get('r2')?.status).toBe('succeeded');
  });

  it('refuses a new invocation when every kept one is still running', () => {
    const records = new InvocationRecords(2);
    records.add('a', running());
    records.add('b', running());
    expect(() => records.add('c', running())).toThrow(InvocationRecordsFullError);
    expect(records.size).toBe(2);
  });

  it('keeps exactly what the walk in order of arrival kept, over random adds, endings and deletions', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), histories(1), replay), { numRuns: 300 });
  });

  it('keeps the same when deletions are frequent enough to sweep its heap of deleted invocations', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 20 }), histories(3), replay), { numRuns: 300 });
  });
});
