import fc from 'fast-check';
import { Subject, filter, type Subscription } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ChangeListeners } from '../../src/core/change-listeners.js';
import { EntityTree } from '../../src/core/entity-tree.js';
import type { TreeChange } from '../../src/core/entity-tree.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A change on key `key` (undefined: a change no key follows, such as the root's). */
interface Change {
  readonly n: number;
  readonly key: number | undefined;
}

/** What a listener does when it hears a change: nothing, remove a listener, or add one. */
type Reaction = { readonly op: 'none' } | { readonly op: 'remove'; readonly listener: number } | { readonly op: 'add'; readonly key: number | undefined };

type Step = { readonly op: 'add'; readonly key: number | undefined; readonly reaction: Reaction } | { readonly op: 'remove'; readonly listener: number } | { readonly op: 'deliver'; readonly key: number | undefined };

const key = fc.option(fc.nat(3), { nil: undefined });
const reaction: fc.Arbitrary<Reaction> = fc.oneof(
  { arbitrary: fc.constant({ op: 'none' as const }), weight: 4 },
  fc.record({ op: fc.constant('remove' as const), listener: fc.nat(20) }),
  fc.record({ op: fc.constant('add' as const), key }),
);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constant('add' as const), key, reaction }),
  fc.record({ op: fc.constant('remove' as const), listener: fc.nat(20) }),
  { arbitrary: fc.record({ op: fc.constant('deliver' as const), key }), weight: 2 },
);

/** Registers, removes and delivers through `register`/`deliver`; returns who heard what, in order. */
function play(steps: readonly Step[], register: (key: number | undefined, hear: (c: Change) => void) => () => void, deliver: (c: Change) => void): string[] {
  const heard: string[] = [];
  const removals: Array<() => void> = [];
  const add = (k: number | undefined, r: Reaction): void => {
    const id = removals.length;
    removals.push(
      register(k, (c) => {
        heard.push(`${id}:${c.n}`);
        if (r.op === 'remove') removals[r.listener % removals.length]?.();
        if (r.op === 'add' && removals.length < 40) add(r.key, { op: 'none' });
      }),
    );
  };
  steps.forEach((s, n) => {
    if (s.op === 'add') add(s.key, s.reaction);
    else if (s.op === 'remove') removals[s.listener % Math.max(1, removals.length)]?.();
    else deliver({ n, key: s.key });
  });
  return heard;
}

describe('ChangeListeners', () => {
  it('delivers as one Subject with a filter per keyed listener would, over random histories with reentrant listeners', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60, size: 'max' }), (steps) => {
        const listeners = new ChangeListeners<number, Change>();
        const keyed = play(steps, (k, hear) => listeners.add(k, hear), (c) => listeners.deliver(c, c.key));
        const subject = new Subject<Change>();
        const reference = play(
          steps,
          (k, hear) => {
            const s: Subscription = subject.pipe(filter((c) => k === undefined || c.key === k)).subscribe(hear);
            return () => s.unsubscribe();
          },
          (c) => subject.next(c),
        );
        expect(keyed).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });
});

describe('EntityTree.changesOf$', () => {
  it("hears only the entity's own children and members coming and going, in order with changes$", () => {
    const tree = new EntityTree(new VirtualClock());
    const heard: string[] = [];
    const describe = (c: TreeChange): string => `${c.kind} ${c.entity.id}`;
    tree.changes$.subscribe((c) => heard.push(`all: ${describe(c)}`));
    const root = tree.add({ id: 'root', type: 'application' });
    const web = tree.add({ id: 'web', type: 'group' }, root);
    tree.changesOf$(web).subscribe((c) => heard.push(`web: ${describe(c)}`));
    tree.changes$.subscribe((c) => heard.push(`later: ${describe(c)}`));
    const a = tree.add({ id: 'a', type: 'server' }, web);
    const b = tree.add({ id: 'b', type: 'server' }, root);
    tree.addMember(web, b);
    tree.remove(a);
    tree.remove(b);
    expect(heard).toEqual([
      'all: added root',
      'all: added web',
      'all: added a',
      'web: added a',
      'later: added a',
      'all: added b',
      'later: added b',
      'all: member-added b',
      'web: member-added b',
      'later: member-added b',
      'all: removed a',
      'web: removed a',
      'later: removed a',
      'all: member-removed b',
      'web: member-removed b',
      'later: member-removed b',
      'all: removed b',
      'later: removed b',
    ]);
  });
});
