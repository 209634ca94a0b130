import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../src/core/entity-tree.js';
import { EffectorAbortedError, EffectorTimeoutError, TerminalEffectorError, ValidationError } from '../../src/core/errors.js';
import { defineEffector, type EffectorContext, type EffectorDefinition } from '../../src/effectors/define-effector.js';
import { AttemptSignal } from '../../src/effectors/attempt-signal.js';
import type { PreparedInvocation } from '../../src/effectors/prepared-invocation.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { EffectorInvoker, InvocationFailedError } from '../../src/effectors/invoker.js';
import { sleep } from '../../src/core/time.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function setup<P>(effector: EffectorDefinition<P, unknown>) {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const entity = tree.add({ id: 'db', type: 'database', effectors: [defineEffector(effector)] });
  const invoker = new EffectorInvoker(clock, () => 0.5);
  const records: InvocationRecord[] = [];
  invoker.records$.subscribe((r) => records.push(r));
  return { clock, entity, invoker, records };
}

/** Marks a promise as handled now, so a rejection before the assertion is not reported as unhandled. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

describe('EffectorInvoker', () => {
  it('refuses params of the wrong type before running anything, and records the rejection', async () => {
    let runs = 0;
    const { entity, invoker, records } = setup({ name: 'resize', params: z.object({ size: z.number().int() }), run: () => { runs++; } });
    await expect(invoker.invoke(entity, 'resize', { size: 'three' }, { caller: { kind: 'person', name: 'ops' } })).rejects.toBeInstanceOf(ValidationError);
    expect(runs).toBe(0);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ outcome: 'rejected', attempts: 0, caller: { kind: 'person', name: 'ops' } });
    expect(records[0]?.error?.message).toContain('size');
  });

  it('refuses a params key the schema does not know instead of running on its default, naming the likely one', async () => {
    const ran: unknown[] = [];
    const params = z.object({ version: z.string().default('1'), batch: z.object({ size: z.number().default(1) }).default({ size: 1 }) });
    const { entity, invoker, records } = setup({ name: 'rollingUpdate', params, run: (p) => void ran.push(p) });
    const refused = invoker.invoke(entity, 'rollingUpdate', { verison: '2', batch: { sise: 3 } }, { caller: { kind: 'person', name: 'ops' } });
    await expect(refused).rejects.toBeInstanceOf(ValidationError);
    await expect(refused).rejects.toThrow("verison: unknown key 'verison' (did you mean 'version'?)");
    await expect(refused).rejects.toThrow("batch.sise: unknown key 'sise' (did you mean 'size'?)");
    expect(ran).toEqual([]);
    expect(records[0]).toMatchObject({ outcome: 'rejected', attempts: 0 });
    // the keys it knows are taken as before; a schema that keeps other keys keeps them, and is not refused
    await invoker.invoke(entity, 'rollingUpdate', { version: '2' }, { caller: { kind: 'person', name: 'ops' } });
    expect(ran).toEqual([{ version: '2', batch: { size: 1 } }]);
    const loose = setup({ name: 'annotate', params: z.looseObject({ note: z.string() }), run: (p) => void ran.push(p) });
    await loose.invoker.invoke(loose.entity, 'annotate', { note: 'x', ticket: 'OPS-1' }, { caller: { kind: 'person', name: 'ops' } });
    expect(ran.at(-1)).toEqual({ note: 'x', ticket: 'OPS-1' });
  });

  it('retries an idempotent effector with backoff on the scheduler, then succeeds', async () => {
    let calls = 0;
    const { clock, entity, invoker, records } = setup({
      name: 'restart', params: z.object({}), idempotent: true, retry: { maxAttempts: 3, initialDelayMs: 1000 },
      run: () => { calls++; if (calls < 3) throw new Error('flaky'); return 'ok'; },
    });
    const result = handled(invoker.invoke(entity, 'restart', {}, { caller: { kind: 'policy', name: 'restarter' } }));
    await clock.settle();
    expect(calls).toBe(1);
    await clock.advanceBy(749); // first delay: 1000 * (0.5 + 0.5 * 0.5) = 750
    expect(calls).toBe(1);
    await clock.advanceBy(1);
    expect(calls).toBe(2);
    await clock.advanceBy(1500); // second delay: 2000 * 0.75
    await expect(result).resolves.toBe('ok');
    expect(records[0]).toMatchObject({ outcome: 'succeeded', attempts: 3, durationMs: 2250 });
  });

  it('never retries a non-idempotent effector', async () => {
    let calls = 0;
    const { clock, entity, invoker, records } = setup({ name: 'addOne', params: z.object({}), run: () => { calls++; throw new Error('boom'); } });
    const result = handled(invoker.invoke(entity, 'addOne', {}, { caller: { kind: 'policy', name: 'p' } }));
    await clock.advanceBy(60_000);
    await expect(result).rejects.toBeInstanceOf(InvocationFailedError);
    expect(calls).toBe(1);
    expect(records[0]).toMatchObject({ outcome: 'failed', attempts: 1, error: { message: 'boom' } });
  });

  it('stops retrying at a terminal error', async () => {
    let calls = 0;
    const { clock, entity, invoker } = setup({ name: 'restart', params: z.object({}), idempotent: true, run: () => { calls++; throw new TerminalEffectorError('credentials revoked'); } });
    const result = handled(invoker.invoke(entity, 'restart', {}, { caller: { kind: 'policy', name: 'p' } }));
    await clock.advanceBy(60_000);
    await expect(result).rejects.toThrow('credentials revoked');
    expect(calls).toBe(1);
  });

  it('times out an attempt on the scheduler and aborts its signal', async () => {
    let aborted: unknown;
    const { clock, entity, invoker, records } = setup({
      name: 'promote', params: z.object({}), timeoutMs: 5000,
      run: (_p, ctx) => new Promise((resolve) => { ctx.signal.addEventListener('abort', () => { aborted = ctx.signal.reason; resolve(undefined); }); }),
    });
    const result = handled(invoker.invoke(entity, 'promote', {}, { caller: { kind: 'policy', name: 'p' } }));
    await clock.advanceBy(4999);
    expect(aborted).toBeUndefined();
    await clock.advanceBy(1);
    await expect(result).rejects.toThrow('timed out after 5000 ms');
    expect(records[0]).toMatchObject({ outcome: 'failed', durationMs: 5000, error: { code: 'E_EFFECTOR_TIMEOUT' } });
    expect(aborted).toBeDefined();
  });

  it('runs one invocation at a time per entity', async () => {
    const log: string[] = [];
    const { clock, entity, invoker } = setup({
      name: 'step', params: z.object({ n: z.number() }),
      run: async (p, ctx) => { log.push(`start ${p.n}`); await sleep(ctx.scheduler, 100); log.push(`end ${p.n}`); },
    });
    const caller = { kind: 'policy', name: 'p' } as const;
    const both = Promise.all([invoker.invoke(entity, 'step', { n: 1 }, { caller }), invoker.invoke(entity, 'step', { n: 2 }, { caller })]);
    await clock.advanceBy(50);
    expect(invoker.busy('db')).toBe(true);
    await clock.advanceBy(200);
    await both;
    expect(log).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });

  it('aborts when the caller aborts', async () => {
    const { clock, entity, invoker } = setup({ name: 'slow', params: z.object({}), run: (_p, ctx) => sleep(ctx.scheduler, 10_000, ctx.signal) });
    const controller = new AbortController();
    const result = handled(invoker.invoke(entity, 'slow', {}, { caller: { kind: 'person', name: 'ops' }, signal: controller.signal }));
    await clock.advanceBy(100);
    controller.abort();
    await expect(result).rejects.toThrow('aborted');
  });
  it('gives a prepared invocation\'s effector its ids, its attempt and a signal made when read, with no fencing token', () => {
    let seen: EffectorContext | undefined;
    const { entity, invoker, records } = setup({ name: 'restart', params: z.object({}), run: (_p, ctx) => void (seen = ctx) });
    const prepared = invoker.prepare(entity, 'restart', undefined, { caller: { kind: 'policy', name: 'p' }, decisionId: 'd-1' });
    expect(prepared).toBeDefined();
    expect(invoker.runPrepared(prepared as PreparedInvocation)).toEqual({ value: undefined });
    expect(seen).toMatchObject({ entity, attempt: 1, invocationId: records[0]?.id, decisionId: 'd-1' });
    expect(seen && 'fencingToken' in seen).toBe(false);
    expect(seen?.signal).toBeInstanceOf(AbortSignal);
    expect(seen?.signal.aborted).toBe(false);
    expect(seen?.signal).toBe(seen?.signal);
    expect(records[0]).toMatchObject({ outcome: 'succeeded', attempts: 1, entity: 'db', effector: 'restart' });
  });

  it('runs a prepared invocation whose lazy signal was aborted before the run as an aborted one: the effector never runs', async () => {
    let runs = 0;
    const { entity, invoker, records } = setup({ name: 'restart', params: z.object({}), run: () => void runs++ });
    const prepared = invoker.prepare(entity, 'restart', undefined, { caller: { kind: 'policy', name: 'p' } }) as PreparedInvocation;
    const lazy = new AttemptSignal();
    lazy.abort(new Error('stopping'));
    const outcome = invoker.runPrepared(prepared, lazy);
    expect(outcome).toBeInstanceOf(Promise);
    await expect(outcome).rejects.toBeInstanceOf(InvocationFailedError);
    expect(runs).toBe(0);
    expect(records[0]).toMatchObject({ outcome: 'failed', entity: 'db' });
    expect(invoker.busy('db')).toBe(false);
  });

  it('aborts the signal a prepared invocation\'s effector stored and reads late: at its timeout, at an abort of the lazy signal; a retry gets a fresh one', async () => {
    const contexts: EffectorContext[] = [];
    const { clock, entity, invoker } = setup({
      name: 'restart', params: z.object({}), idempotent: true, timeoutMs: 1_000, retry: { maxAttempts: 2, initialDelayMs: 100 },
      run: async (_p, ctx) => { contexts.push(ctx); await sleep(ctx.scheduler, 60_000); },
    });
    const caller = { kind: 'policy' as const, name: 'p' };
    // timeout: the first attempt's stored context, read only after the timeout, holds an aborted signal
    const timedOut = invoker.runPrepared(invoker.prepare(entity, 'restart', undefined, { caller, decisionId: 'd-1' }) as PreparedInvocation, new AttemptSignal());
    expect(timedOut).toBeInstanceOf(Promise);
    handled(timedOut as Promise<unknown>);
    await clock.advanceBy(1_000);
    expect(contexts[0]?.signal.reason).toBeInstanceOf(EffectorTimeoutError);
    // the retry runs with a signal of its own, not aborted, and the same ids
    await clock.advanceBy(100);
    expect(contexts).toHaveLength(2);
    expect(contexts[1]).toMatchObject({ attempt: 2, decisionId: 'd-1', invocationId: contexts[0]?.invocationId });
    expect(contexts[1]?.signal).not.toBe(contexts[0]?.signal);
    expect(contexts[1]?.signal.aborted).toBe(false);
    await clock.advanceBy(1_000);
    await expect(timedOut).rejects.toBeInstanceOf(InvocationFailedError);
    // abort of the caller's lazy signal while the effector runs: the stored context's signal aborts too
    const lazy = new AttemptSignal();
    const aborted = invoker.runPrepared(invoker.prepare(entity, 'restart', undefined, { caller }) as PreparedInvocation, lazy);
    handled(aborted as Promise<unknown>);
    await clock.advanceBy(10);
    lazy.abort(new Error('stopping'));
    expect(contexts[2]?.signal.reason).toBeInstanceOf(EffectorAbortedError);
    await expect(aborted).rejects.toBeInstanceOf(InvocationFailedError);
    expect(contexts).toHaveLength(3);
  });

  it('lets an effector hand on a spread copy of its context: the copy carries the signal, and a timeout aborts it', async () => {
    let inner: EffectorContext | undefined;
    const innerRun = async (ctx: EffectorContext) => { inner = ctx; await sleep(ctx.scheduler, 60_000); };
    const { clock, entity, invoker } = setup({ name: 'restart', params: z.object({}), timeoutMs: 1_000, run: (_p, ctx) => innerRun({ ...ctx, attempt: ctx.attempt }) });
    const result = handled(invoker.invoke(entity, 'restart', {}, { caller: { kind: 'person', name: 'ops' } }));
    await clock.advanceBy(1_000);
    await expect(result).rejects.toBeInstanceOf(InvocationFailedError);
    expect(Object.keys(inner ?? {})).toContain('signal');
    expect(inner?.signal.reason).toBeInstanceOf(EffectorTimeoutError);
  });

  it('lets an effector hand its context on with the signal named: a timeout aborts the inner run', async () => {
    let inner: EffectorContext | undefined;
    const innerRun = async (ctx: EffectorContext) => { inner = ctx; await sleep(ctx.scheduler, 60_000); };
    const { clock, entity, invoker } = setup({ name: 'restart', params: z.object({}), timeoutMs: 1_000, run: (_p, ctx) => innerRun({ ...ctx, signal: ctx.signal, attempt: ctx.attempt }) });
    const result = handled(invoker.invoke(entity, 'restart', {}, { caller: { kind: 'person', name: 'ops' } }));
    await clock.advanceBy(1_000);
    await expect(result).rejects.toBeInstanceOf(InvocationFailedError);
    expect(inner?.signal.reason).toBeInstanceOf(EffectorTimeoutError);
  });

  it('once an effector says its work is over (settling), a timeout only hurries it: its own result decides', async () => {
    let hurriedBy: unknown;
    const { clock, entity, invoker, records } = setup({
      name: 'restart', params: z.object({}), timeoutMs: 1_000,
      run: async (_p, ctx) => {
        await sleep(ctx.scheduler, 800); // the work, within the timeout
        ctx.settling?.();
        // gathering its result would take 5 s more; the timeout at 1 s ends that early
        await sleep(ctx.scheduler, 5_000, ctx.signal).catch((reason: unknown) => (hurriedBy = reason));
        return 'done';
      },
    });
    const result = handled(invoker.invoke(entity, 'restart', {}, { caller: { kind: 'person', name: 'ops' } }));
    await clock.advanceBy(1_000);
    await expect(result).resolves.toBe('done');
    expect(hurriedBy).toBeInstanceOf(EffectorTimeoutError);
    expect(records.at(-1)).toMatchObject({ outcome: 'succeeded' });
  });
});
