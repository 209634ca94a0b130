import type { SchedulerLike, Subscription } from 'rxjs';
import { HomeostatError } from '../errors.js';
import type { EffectorInvoker } from '../../effectors/invoker.js';

/**
 * The engine stopped before a plan could finish: its effectors were aborted when the stop grace passed, or
 * it was still waiting and never started. Recorded as the error of a `failed` decision.
 */
export class EngineStoppedError extends HomeostatError {
  constructor(message: string) {
    super('E_ENGINE_STOPPED', message);
  }
}

/**
 * The invoker as one execution sees it: every invocation (steps and compensations) carries `signal`, so
 * aborting the execution aborts what runs and refuses what would start. Delegates to the shared invoker
 * (one queue per entity, one record stream) rather than copying it.
 */
export function invokerWithSignal(invoker: EffectorInvoker, signal: AbortSignal): EffectorInvoker {
  const scoped = Object.create(invoker) as EffectorInvoker;
  scoped.invoke = (entity, effector, params, options) =>
    invoker.invoke(entity, effector, params, { ...options, signal: options.signal ? AbortSignal.any([options.signal, signal]) : signal });
  return scoped;
}

/**
 * Settles as `work` does, or rejects with the signal's reason as soon as it aborts: an execution that waits
 * on something that does not listen to the signal (a runbook check) still ends at the grace. A rejection of
 * `work` after that is handled here, so it cannot reach Node's unhandled-rejection path.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

/** What `endWithin` needs of an executor: to wait until it is idle, and to abort what it runs. */
interface StoppingExecutor {
  whenIdle(): Promise<void>;
  abort(reason: EngineStoppedError): void;
}

/**
 * Waits until every executor is idle, for at most `graceMs` on `scheduler`; past it aborts their effectors
 * (recorded as stopped) and waits until they have ended. Leaves no timer behind.
 */
export async function endWithin(executors: readonly StoppingExecutor[], graceMs: number, scheduler: SchedulerLike): Promise<void> {
  const idle = Promise.all(executors.map((e) => e.whenIdle())).then(() => true);
  let timer: Subscription | undefined;
  const graceOver = new Promise<boolean>((resolve) => {
    if (graceMs === 0) resolve(false);
    else timer = scheduler.schedule(() => resolve(false), graceMs);
  });
  const finished = await Promise.race([idle, graceOver]);
  timer?.unsubscribe();
  if (finished) return;
  const reason = new EngineStoppedError(`stopped: the engine stopped and its grace of ${graceMs} ms passed while this plan ran; its effectors were aborted`);
  for (const executor of executors) executor.abort(reason);
  await idle;
}
