import type { Subscription } from 'rxjs';
import type { EffectorInvoker } from '../effectors/invoker.js';
import type { InFlightInvocation, InvocationRecord } from '../effectors/invocation.js';
import type { Knowledge } from './knowledge.js';
import type { Json } from './store.js';

/**
 * Invocations in flight are kept in the state namespace `<group>/homeostat.in-flight` (not a policy of the
 * tree), where the group is the entity acted on or, with shards, its shard: so they are written, reloaded
 * and reconciled with that shard. Earlier versions kept them all in `homeostat.in-flight`, still read.
 */
export const IN_FLIGHT_STATE = 'homeostat.in-flight';

/** The state namespace of the invocations in flight of a group (an entity, or a shard's root entity). */
export function inFlightStateOf(group: string): string {
  return `${group}/${IN_FLIGHT_STATE}`;
}

/**
 * Keeps a mark in knowledge for every effector invocation while it runs, so that a service that died in the
 * middle (killed, machine lost) learns at its next start which invocations never reported back. Those are
 * recorded with the outcome `unknown` and never repeated blindly: the loops are level-based and re-read the
 * current state of what they manage, so whatever is still needed is planned again.
 */
export class InFlightLedger {
  private readonly subscriptions: Subscription[] = [];
  // where each running invocation's mark is, so it is cleared even if its entity left the tree meanwhile
  private readonly marks = new Map<string, string>();

  /** @param groupOf the group of an entity's marks (with shards: its shard); default the entity itself */
  constructor(
    private readonly knowledge: Knowledge,
    private readonly groupOf: (entity: string) => string | undefined = (entity) => entity,
  ) {}

  /**
   * Records every invocation left in flight by an earlier run (or by the instance that held a shard before
   * this one) as `unknown`, and clears its mark. Call after `knowledge.open()` (or a reload) and before any
   * effector runs. `only` limits it to some groups (one shard's, on its takeover).
   * @returns the records written
   */
  reconcile(now: number, only?: (group: string) => boolean): InvocationRecord[] {
    const suffix = `/${IN_FLIGHT_STATE}`;
    const namespaces = this.knowledge.statePolicies().filter((policy) => {
      if (policy === IN_FLIGHT_STATE) return only === undefined;
      return policy.endsWith(suffix) && (only === undefined || only(policy.slice(0, -suffix.length)));
    });
    return namespaces.flatMap((namespace) => this.reconcileIn(namespace, now));
  }

  private reconcileIn(namespace: string, now: number): InvocationRecord[] {
    const state = this.knowledge.policyState(namespace);
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

  /** Marks each invocation of `invoker` while it runs, in the namespace of its group. */
  watch(invoker: EffectorInvoker): void {
    this.subscriptions.push(
      invoker.started$.subscribe((started) => {
        const namespace = inFlightStateOf(this.groupOf(started.entity) ?? started.entity);
        this.marks.set(started.id, namespace);
        this.knowledge.policyState(namespace).set(started.id, started as unknown as Json);
      }),
      invoker.records$.subscribe((record) => {
        const namespace = this.marks.get(record.id);
        if (namespace === undefined) return;
        this.marks.delete(record.id);
        this.knowledge.policyState(namespace).set(record.id, undefined);
      }),
    );
  }

  /** Stops marking (marks of invocations still running stay, as they would after a crash). */
  stop(): void {
    for (const subscription of this.subscriptions.splice(0)) subscription.unsubscribe();
  }
}
