// The code and the sentence a run's stop ends with, in virtual time (vitest's fake timers): 0 only when the stop
// finished with nothing cut short; 1 when it failed, ran out of grace or aborted effectors (their records end
// aborted); 130/143 when a second signal ended it. The effector deadline is one, fixed when the stop began.
import { Subject } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { InFlightInvocation } from '../../src/effectors/invocation.js';
import type { Deadline } from '../../src/core/deadline.js';
import { forcedExitCode, stopRun, type StopOutcome } from '../../src/cli/stop-run.js';
import { describeWork, WorkInFlight } from '../../src/cli/work-in-flight.js';
import type { HandedOverInvocation } from '../../src/cluster/shard-delegation.js';
import type { ProcessEvent } from '../../src/drivers/process/supervisor.js';

let started: Subject<InFlightInvocation>;
let ended: Subject<{ id: string; error?: { code: string } }>;
let processes: Subject<ProcessEvent>;
let pendingWrites: number;
let work: WorkInFlight;

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
  started = new Subject();
  ended = new Subject();
  processes = new Subject();
  pendingWrites = 0;
  work = new WorkInFlight({ invocationStarted$: started, invocationEnded$: ended, processEvents$: processes, pendingWrites: () => pendingWrites, now: () => Date.now() });
});

afterEach(() => {
  work.close();
  vi.useRealTimers();
});

/** Starts an invocation of `effector` on `entity` now. */
function invoke(id: string, entity: string, effector: string): void {
  started.next({ id, at: Date.now(), entity, effector, caller: { kind: 'person', name: 'root' }, params: {} });
}

/** Runs `stopRun` with a grace of 10 s (9 s for effectors), on the fake clock; `forced` resolves with a second signal. */
function stop(sequence: (effectorDeadline: Deadline) => Promise<void>, forced: Promise<NodeJS.Signals> = new Promise(() => undefined)): Promise<StopOutcome> {
  return stopRun(sequence, { graceMs: 10_000, effectorGraceMs: 9_000, work, forced, now: () => Date.now() });
}

/** Waits `ms` on the fake clock. */
function elapse(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('stopRun', () => {
  it('is 0, with nothing to say, when the sequence finishes with nothing in flight at the effector grace', async () => {
    invoke('a', 'web', 'resize');
    const outcome = stop(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      ended.next({ id: 'a' });
    });
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await outcome).toEqual({ code: 0 });
  });

  it('is 1 when a step fails (the last knowledge flush), naming the error', async () => {
    const outcome = await stop(() => Promise.reject(new Error('knowledge store unavailable: connect ECONNREFUSED')));
    expect(outcome).toEqual({ code: 1, problem: 'stopping failed: knowledge store unavailable: connect ECONNREFUSED' });
  });

  it('is 1 when a step aborted effectors at the effector deadline, though the sequence then finished', async () => {
    invoke('a', 'slow', 'restart');
    const outcome = stop(async (effectorDeadline) => {
      await elapse(500); // an earlier step that waited on effectors
      await elapse(effectorDeadline.leftMs()); // the engine's grace: what is left of the deadline, then the abort
      ended.next({ id: 'a', error: { code: 'E_EFFECTOR_ABORTED' } });
    });
    await vi.advanceTimersByTimeAsync(9_000);
    expect(await outcome).toEqual({ code: 1, problem: 'the stop grace (10 s, 9 s of it for effectors) passed with effectors still running, so they were aborted: 1 effector in flight (restart on slow, running 9.0 s)' });
  });

  it('is 0 when an effector still ran at the effector grace but then ended by itself: nothing was aborted', async () => {
    invoke('a', 'slow', 'restart');
    invoke('b', 'db', 'vacuum');
    const outcome = stop(async () => {
      await elapse(9_200); // past the effector grace (9 s), neither was aborted
      ended.next({ id: 'a' });
      ended.next({ id: 'b', error: { code: 'E_EFFECTOR_FAILED' } }); // a failure of its own is no abort
    });
    await vi.advanceTimersByTimeAsync(9_200);
    expect(await outcome).toEqual({ code: 0 });
  });

  it('gives the sequence one effector deadline, fixed when the stop began: each step gets what is left of it', async () => {
    const left: number[] = [];
    const outcome = stop(async (effectorDeadline) => {
      left.push(effectorDeadline.leftMs()); // the lease hand-over begins
      await elapse(500);
      left.push(effectorDeadline.leftMs()); // the HTTP close begins
      await elapse(8_700); // it waited on an API effector past the deadline
      left.push(effectorDeadline.leftMs()); // the engine's stop begins: nothing left, abort at once
    });
    await vi.advanceTimersByTimeAsync(9_200);
    expect(await outcome).toEqual({ code: 0 });
    expect(left).toEqual([9_000, 8_500, 0]);
  });

  it('counts only the aborts that came once the stop began', async () => {
    invoke('a', 'web', 'resize');
    ended.next({ id: 'a', error: { code: 'E_EFFECTOR_ABORTED' } }); // aborted before the stop (by its caller)
    const outcome = await stop(() => Promise.resolve());
    expect(outcome).toEqual({ code: 0 });
  });

  it('is 1 when the grace passes first, naming what still runs and the step it waited on', async () => {
    processes.next({ kind: 'spawned', entity: 'worker', pid: 4242, message: 'started' });
    processes.next({ kind: 'spawned', entity: 'gone', pid: 4243, message: 'started' });
    processes.next({ kind: 'exited', entity: 'gone', pid: 4243, message: 'exited' });
    pendingWrites = 3;
    work.step = 'stopping the drivers and knowledge';
    const outcome = stop(() => new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toEqual({ code: 1, problem: 'the stop grace of 10 s has passed with work still running; abandoned: 3 knowledge writes not in the store, 1 managed process not stopped, while stopping the drivers and knowledge' });
  });

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('a second %s ends it at once with %i, naming the effectors in flight', async (signal, code) => {
    invoke('a', 'slow', 'restart');
    await vi.advanceTimersByTimeAsync(1_500);
    invoke('b', 'db', 'promote');
    let second: (s: NodeJS.Signals) => void = () => undefined;
    const outcome = stop(() => new Promise(() => undefined), new Promise((resolve) => (second = resolve)));
    await vi.advanceTimersByTimeAsync(500);
    second(signal);
    expect(await outcome).toEqual({ code, forcedBy: signal, problem: `a second ${signal} ended the stop at once; abandoned: 2 effectors in flight (restart on slow, running 2.0 s; promote on db, running 0.5 s)` });
    expect(forcedExitCode(signal)).toBe(code);
  });
});

describe('describeWork', () => {
  it('names at most five effectors and counts the rest', () => {
    const invocations = Array.from({ length: 7 }, (_, i) => ({ entity: `web-${i}`, effector: 'restart', runningMs: 1_000 }));
    expect(describeWork({ invocations, processes: 0, pendingWrites: 1, step: undefined })).toBe(
      '7 effectors in flight (restart on web-0, running 1.0 s; restart on web-1, running 1.0 s; restart on web-2, running 1.0 s; restart on web-3, running 1.0 s; restart on web-4, running 1.0 s; and 2 more), 1 knowledge write not in the store',
    );
  });

  it('says when nothing is under way', () => {
    expect(describeWork({ invocations: [], processes: 0, pendingWrites: 0, step: 'closing the HTTP service' })).toBe('nothing under way, while closing the HTTP service');
  });
});

describe('a forced stop with shards names the invocations handed to another instance', () => {
  it('says where each went, claimed or still queued, and how long ago', async () => {
    let handed: HandedOverInvocation[] = [];
    const sharded = new WorkInFlight({ invocationStarted$: started, invocationEnded$: ended, processEvents$: processes, pendingWrites: () => 0, now: () => Date.now(), handedOver: () => handed });
    try {
      handed = [
        { entity: 'web-1', effector: 'restart', shard: 'site-b', to: 'host-b:42:ab12cd', claimed: true, waitingMs: 1_200 },
        { entity: 'db-2', effector: 'promote', shard: 'site-c', to: undefined, claimed: false, waitingMs: 300 },
      ];
      const signal = Promise.resolve<NodeJS.Signals>('SIGINT');
      const outcome = await stopRun(() => new Promise(() => undefined), { graceMs: 10_000, effectorGraceMs: 9_000, work: sharded, forced: signal, now: () => Date.now() });
      expect(outcome.problem).toBe('a second SIGINT ended the stop at once; abandoned: 2 invocations handed to another instance, outcome not known here (restart on web-1, running on host-b:42:ab12cd, handed over 1.2 s ago; promote on db-2, queued for the holder of shard site-c, handed over 0.3 s ago)');
    } finally {
      sharded.close();
    }
  });
});
