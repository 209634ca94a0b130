import type { Entity } from '../../core/entity.js';
import type { PolicyState } from '../../knowledge/policy-state.js';
import type { Plan } from '../define-policy.js';
import { roleOf } from './election.js';

/** State key: the replica this policy last planned to promote (its own promotion, when it takes). */
export const PROMOTING = 'promoting';

/** What the failover of a group stands down for: another system fails it over (Sentinel, Patroni, a person). */
export interface StandDownSettings {
  /** `external: true`: another system fails the group over; the policy only observes and says so. */
  readonly external: boolean;
}

function writable(db: Entity): boolean {
  return roleOf(db) === 'primary' && db.sensor<boolean>('service.up').value === true;
}

/**
 * The databases whose sensor `sensor` (a count) says another failover manages them now, each with the count:
 * only those up (read at their last poll). A server that stopped answering keeps the count it gave before,
 * which says nothing of now: Sentinels (or a Patroni) gone since, or gone with it, would otherwise keep the
 * policy standing down for as long as it stays down.
 */
function managedBy(dbs: readonly Entity[], sensor: string): string[] {
  return dbs.flatMap((db) => {
    const count = db.hasSensor(sensor) && db.sensor<boolean>('service.up').value === true ? db.sensor<number>(sensor).value : undefined;
    return count !== undefined && count > 0 ? [`${db.id} (${count})`] : [];
  });
}

/**
 * Why this policy must not fail the group over now although its primary failed (`what` says how), or undefined:
 * it only observes (`external: true`); another database is the writable primary already, promoted by someone
 * else (the policy stands down for this failure rather than promote a second one that the other system would
 * demote again); Redis Sentinels watch the servers (`sentinels`), or Patroni manages them (`patroni`): they
 * fail the group over themselves, and two failovers at once promote two replicas and demote each other's
 * (beside Patroni, homeostat's fence also stopped the old primary each time Patroni restarted it: no writable
 * primary at all). A `refused` decision naming who and what.
 */
export function standDown(what: string, old: string | undefined, dbs: readonly Entity[], settings: StandDownSettings, state: PolicyState): Plan | undefined {
  if (settings.external) return { actions: [], nonAction: 'refused', reason: `${what}, but another system fails this group over (external: true): observing only, not failing over` };
  const other = dbs.find((db) => db.id !== old && writable(db));
  if (other) {
    const by = state.get<string>(PROMOTING) === other.id ? 'this policy promoted it' : 'this policy did not promote it (Sentinel, Patroni or a person failed over beside it?)';
    return { actions: [], nonAction: 'refused', reason: `${what}, but ${other.id} is the writable primary now and ${by}: standing down for this failure, fencing and promoting nothing` };
  }
  const sentinels = managedBy(dbs, 'sentinels');
  if (sentinels.length > 0) {
    return { actions: [], nonAction: 'refused', reason: `${what}, but Redis Sentinels watch ${sentinels.join(', ')} and fail this group over themselves: not failing over beside them (two failovers at once promote two replicas); set external: true on this policy to only observe, or stop the Sentinels` };
  }
  const patroni = managedBy(dbs, 'patroni');
  if (patroni.length > 0) {
    return { actions: [], nonAction: 'refused', reason: `${what}, but Patroni manages ${patroni.join(', ')} (sessions of its daemon) and fails this group over itself: not failing over beside it (a promotion Patroni did not make is demoted again, and a fence stops the server Patroni restarts); set external: true on this policy to only observe, or stop Patroni` };
  }
  return undefined;
}

/**
 * The decision about a new writable primary (`to`, in place of `from`): none when this policy promoted it (its
 * applied decision says so), else one saying that someone else did and that this policy stands down.
 */
export function newPrimary(from: string, to: string, state: PolicyState): Plan | undefined {
  if (state.get<string>(PROMOTING) === to) return undefined;
  return { actions: [], reason: `${to} is the writable primary in place of ${from}, and this policy did not promote it (a switchover, or Sentinel, Patroni or a person failing over beside it): standing down for ${from}, fencing and promoting nothing` };
}
