import type { Subscription } from 'rxjs';
import type { EffectorInvoker } from '../effectors/invoker.js';
import type { InFlightInvocation, InvocationRecord } from '../effectors/invocation.js';
import type { Knowledge } from './knowledge.js';
import type { Json } from './store.js';

/** The policy-state namespace where invocations in flight are kept (not a policy of the tree). */
export const IN_FLIGHT_STATE = 'homeostat.in-flight';

/**
 * Keeps a mark in knowledge for every effector invocation while it runs, so that a service that died in the
 * middle (killed, machine lost) learns at its next start which invocations never reported back. Those are
 * recorded with the outcome `unknown` and never repeated blindly: the loops are level-based and re-read the
 * current state of what they manage, so whatever is still needed is planned again.
 */
export class InFlightLedger {
  private readonly subscriptions: Subscription[] = [];

  constructor(private readonly knowledge: Knowledge) {}

  /**
   * Records every invocation left in flight by an earlier run as `unknown`, and clears its mark.
   * Call after `knowledge.open()` and before any effector runs.
   * @returns the records written
   */
  reconcile(now: number): InvocationRecord[] {
    const state = this.knowledge.policyState(IN_FLIGHT_STATE);
    const found: InvocationRecord[] = [];
    for (const id of state.keys()) {
      const mark = state.get<Json>(id) as unknown as InFlightInvocation | undefined;
      state.set(id, undefined);
      if (!mark) continue;
      const record: InvocationRecord = {
        ...mark,
        outcome: 'unknown',
        attempts: 1,
        durationMs: Math.max(0, now - mark.at),
        error: { code: 'E_OUTCOME_UNKNOWN', message: 'the service stopped while this invocation ran, so its effect was never confirmed; it is not repeated: the policies re-read the current state' },
      };
      this.knowledge.recordInvocation(record);
      found.push(record);
    }
    return found;
  }

  /** Marks each invocation of `invoker` while it runs. */
  watch(invoker: EffectorInvoker): void {
    const state = this.knowledge.policyState(IN_FLIGHT_STATE);
    this.subscriptions.push(
      invoker.started$.subscribe((started) => state.set(started.id, started as unknown as Json)),
      invoker.records$.subscribe((record) => {
        if (state.get(record.id) !== undefined) state.set(record.id, undefined);
      }),
    );
  }

  /** Stops marking (marks of invocations still running stay, as they would after a crash). */
  stop(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }
}
