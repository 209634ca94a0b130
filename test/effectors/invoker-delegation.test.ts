import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../src/core/entity-tree.js';
import type { DelegatedInvocation } from '../../src/effectors/delegated-invocation.js';
import { defineEffector } from '../../src/effectors/define-effector.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { EffectorInvoker, InvocationFailedError } from '../../src/effectors/invoker.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

// The invoker's side of shards: an invocation this instance may not run (its fence says so) is handed to a
// delegate, which runs it elsewhere; nothing runs or is recorded here. An invocation handed over to this
// instance (`local`) is never handed on again.
function setup(delegate: ((invocation: DelegatedInvocation) => Promise<unknown> | undefined) | undefined, fenced = true) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  let runs = 0;
  const entity = tree.add({ id: 'web', type: 'service', effectors: [defineEffector({ name: 'restart', params: z.object({ force: z.boolean() }), idempotent: true, retry: { maxAttempts: 2, maxDelayMs: 1_000 }, timeoutMs: 5_000, run: () => ++runs })] });
  const asked: DelegatedInvocation[] = [];
  const invoker = new EffectorInvoker(clock, () => 0.5, {
    fence: () => (fenced ? undefined : 9),
    ...(delegate ? { delegate: (invocation) => (asked.push(invocation), delegate(invocation)) } : {}),
  });
  const records: InvocationRecord[] = [];
  invoker.records$.subscribe((r) => records.push(r));
  return { entity, invoker, records, asked, runs: () => runs };
}

describe('EffectorInvoker with a delegate', () => {
  it('hands an invocation it may not run to the delegate, with a bound on the whole run, and records nothing here', async () => {
    const { entity, invoker, records, asked, runs } = setup(async () => 'restarted elsewhere');
    await expect(invoker.invoke(entity, 'restart', { force: true }, { caller: { kind: 'policy', name: 'app/dr' }, decisionId: 'd-7' })).resolves.toBe('restarted elsewhere');
    expect(asked).toEqual([{ entity: 'web', effector: 'restart', params: { force: true }, caller: { kind: 'policy', name: 'app/dr' }, decisionId: 'd-7', runBoundMs: 2 * 5_000 + 1_000 }]);
    expect(runs()).toBe(0);
    expect(records).toEqual([]);
  });

  it('still refuses bad params before handing anything over', async () => {
    const { entity, invoker, asked } = setup(async () => 'never');
    await expect(invoker.invoke(entity, 'restart', { force: 'yes' }, { caller: { kind: 'policy', name: 'app/dr' } })).rejects.toThrow('force');
    expect(asked).toEqual([]);
  });

  it('fails with E_NOT_LEADER when the delegate declines, and never hands on an invocation handed to it', async () => {
    const declined = setup(() => undefined);
    const error = await declined.invoker.invoke(declined.entity, 'restart', { force: true }, { caller: { kind: 'policy', name: 'app/dr' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvocationFailedError);
    expect((error as InvocationFailedError).code).toBe('E_NOT_LEADER');
    const handed = setup(async () => 'never');
    const local = await handed.invoker.invoke(handed.entity, 'restart', { force: true }, { caller: { kind: 'policy', name: 'app/dr' }, local: true }).catch((e: unknown) => e);
    expect((local as InvocationFailedError).code).toBe('E_NOT_LEADER');
    expect(handed.asked).toEqual([]);
  });

  it('runs here, under its token, what it may run', async () => {
    const { entity, invoker, records, asked, runs } = setup(async () => 'never', false);
    await expect(invoker.invoke(entity, 'restart', { force: true }, { caller: { kind: 'policy', name: 'app/dr' } })).resolves.toBe(1);
    expect(runs()).toBe(1);
    expect(asked).toEqual([]);
    expect(records[0]).toMatchObject({ outcome: 'succeeded', fencingToken: 9 });
  });
});
