import { EMPTY, concat, defer, distinctUntilChanged, filter, interval, map, merge, of, pairwise, share, skip, skipWhile, startWith, switchMap, timer, type Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { failureDetector } from '../../analyzers/failure-detector.js';
import type { Entity } from '../../core/entity.js';
import { reached } from '../../core/reached.js';
import { groupMembers, isWritablePrimary, replicationGroupOf } from '../../core/replication-group.js';
import type { Observation } from '../../sensors/reading.js';
import type { Symptom } from '../define-policy.js';
import { databases, electionCandidates, roleOf, type ElectionSettings } from './election.js';
import { leaseUntil } from './lease.js';

/** Options of `primaryWatch`. */
export interface PrimaryWatchOptions extends ElectionSettings {
  /** How long the primary must be down (or the group without one) before a symptom (ms). */
  readonly failureDelay: number;
  /** How long the primary must be up again before it counts as recovered (ms). */
  readonly recoveryDelay: number;
  /** How often a failover whose last attempt failed is tried again while the primary stays down (ms). */
  readonly retryInterval: number;
  /** When the current recovery block ends (ms); read as a failure is reported. */
  readonly blockedUntil: () => number;
  /** Outcome of the policy's last decision, if any. */
  readonly lastOutcome: () => string | undefined;
}

/** Outcomes after which the failover is tried again every `retryInterval` while the failure lasts. */
export const RETRIED: ReadonlySet<string> = new Set(['failed', 'preempted', 'rate_limited', 'rejected_stale', 'superseded', 'skipped_cooldown']);

interface Snapshot {
  readonly primary: string | undefined;
  readonly up: Observation<boolean> | undefined;
  /** Ids of the databases that report themselves primary and are up, comma-separated. */
  readonly writable: string;
}

function snapshot(group: Entity, options: ElectionSettings): Snapshot {
  const dbs = databases(group, options);
  const primary = dbs.find((db) => roleOf(db) === 'primary');
  const up = primary?.sensor<boolean>('service.up').current;
  const writable = dbs.filter((db) => roleOf(db) === 'primary' && db.sensor<boolean>('service.up').value === true).map((db) => db.id).join(',');
  return { primary: primary?.id, up: primary && up ? { ...up, entity: primary.id, sensor: 'service.up' } : undefined, writable };
}

/** The role readings of `ids`, the inputs of a split-brain symptom. */
function rolesOf(group: Entity, options: ElectionSettings, ids: readonly string[]): Observation[] {
  return databases(group, options).filter((db) => ids.includes(db.id)).flatMap((db) => {
    const current = db.sensor('role').current;
    return current ? [{ ...current, entity: db.id, sensor: 'role' }] : [];
  });
}

/** True when some database of the group's replication groups, anywhere in the tree, is a writable primary. */
function writableInGroup(group: Entity, options: ElectionSettings): boolean {
  const root = [...group.ancestors()].pop() ?? group;
  const groups = new Set(databases(group, options).map(replicationGroupOf));
  return [...groups].some((g) => groupMembers(root, g).some(isWritablePrimary));
}

/** The readings a symptom stands on now: the primary's health, or every database's role when there is none. */
function inputsNow(group: Entity, options: ElectionSettings, primary: string | undefined): Observation[] {
  const dbs = databases(group, options).filter((db) => primary === undefined || db.id === primary);
  return dbs.flatMap((db) => {
    const sensor = primary === undefined ? 'role' : 'service.up';
    const current = db.sensor(sensor).current;
    return current ? [{ ...current, entity: db.id, sensor }] : [];
  });
}

/**
 * Watches a primary-replica group for a primary that is down for `failureDelay` (`kind: 'down'`) or a
 * group with no primary at all for that long (`kind: 'no-primary'`). Detection restarts whenever another
 * database becomes primary, so a new primary that fails soon after its promotion is reported too. While
 * the failure lasts, the symptom is raised again (`detail.reconsidered` says why) when the recovery block
 * ends, when a replica becomes eligible, when the old primary's lease runs out, when the primary comes back for less than `recoveryDelay` and is
 * down again for `failureDelay`, and every `retryInterval` after a failed attempt or one a guard or a lease blocked: a
 * decision not to act is reconsidered, never dropped. Two or more databases that report themselves primary
 * and are up at once (a failover by Sentinel, Patroni or a person beside this policy) are reported as
 * `kind: 'split-brain'` with `detail.primaries`, once per set of primaries. One writable primary in place of
 * another is `kind: 'new-primary'` with `detail.from` and `detail.to`.
 */
export function primaryWatch(group: Entity, options: PrimaryWatchOptions, scheduler: SchedulerLike): OperatorFunction<unknown, Symptom> {
  return (source) => {
    const snapshots$ = source.pipe(map(() => snapshot(group, options)), share());
    const eligible = (): boolean => electionCandidates(group, options).length > 0;
    const reconsiderations = (symptom: Symptom): Observable<Symptom> => {
      // a decision blocked while the old primary's lease holds waited for the lease (see leaseStance), else for a guard
      const blockedAgain = (): string => {
        const primary = symptom.detail?.['primary'];
        const db = databases(group, options).find((d) => d.id === primary);
        const until = db === undefined ? undefined : leaseUntil(db);
        return until !== undefined && until > scheduler.now() ? `the lease of ${String(primary)} is read again` : 'the guard is read again';
      };
      const again = (why: string): Symptom => ({ ...symptom, inputs: inputsNow(group, options, symptom.detail?.['primary'] as string | undefined), detail: { ...symptom.detail, reconsidered: why } });
      return merge(
        defer(() => {
          const until = options.blockedUntil();
          return until > scheduler.now() ? reached(until, scheduler).pipe(map(() => again('the recovery block ended'))) : EMPTY;
        }),
        defer(() => snapshots$.pipe(map(eligible), startWith(eligible()), distinctUntilChanged(), skip(1), filter(Boolean), map(() => again('a replica became eligible')))),
        // an old primary's lease running out lets a promotion go without its fence (see leaseStance)
        defer(() => {
          const primary = symptom.detail?.['primary'];
          const db = databases(group, options).find((d) => d.id === primary);
          const until = (db === undefined ? undefined : leaseUntil(db)) ?? -Infinity;
          return until > scheduler.now() ? reached(until, scheduler).pipe(map(() => again(`the lease of ${String(primary)} ran out`))) : EMPTY;
        }),
        // the primary back for less than recoveryDelay and down again: the detector still counts its first
        // failure and says nothing new, so a second failure of failureDelay is raised here
        defer(() => {
          const primary = symptom.detail?.['primary'];
          if (typeof primary !== 'string') return EMPTY;
          return snapshots$.pipe(
            filter((s) => s.primary === primary && s.up !== undefined),
            map((s) => s.up?.value === true),
            skipWhile((up) => !up),
            distinctUntilChanged(),
            switchMap((up) => (up ? EMPTY : timer(options.failureDelay, scheduler).pipe(map(() => again('the primary failed again'))))),
          );
        }),
        // an attempt that failed or did not get to run, or one blocked by a guard or the old primary's lease (not by the recovery block,
        // which has its own timer)
        interval(options.retryInterval, scheduler).pipe(
          filter(() => RETRIED.has(options.lastOutcome() ?? '') || (options.lastOutcome() === 'blocked' && options.blockedUntil() <= scheduler.now())),
          map(() => again(options.lastOutcome() === 'blocked' ? blockedAgain() : `retrying after '${options.lastOutcome() ?? ''}'`)),
        ),
      );
    };
    const splitBrain$ = snapshots$.pipe(
      map((s) => s.writable),
      distinctUntilChanged(),
      filter((ids) => ids.includes(',')),
      map((ids): Symptom => ({ kind: 'split-brain', inputs: rolesOf(group, options, ids.split(',')), detail: { primaries: ids.split(',') } })),
    );
    // one writable primary in place of another: the plan says whether this policy promoted it
    const newPrimary$ = snapshots$.pipe(
      map((s) => s.writable),
      filter((ids) => ids !== '' && !ids.includes(',')),
      distinctUntilChanged(),
      pairwise(),
      map(([from, to]): Symptom => ({ kind: 'new-primary', inputs: rolesOf(group, options, [to]), detail: { from, to } })),
    );
    const failures$ = snapshots$.pipe(
      distinctUntilChanged((a, b) => a.primary === b.primary),
      switchMap((first): Observable<Symptom> => {
        const detected$: Observable<Symptom> =
          first.primary === undefined
            ? // no local primary: fine while the replication group has a writable one elsewhere (another site);
              // polled, since that primary is not among the monitored members
              timer(0, Math.min(options.failureDelay, 5_000), scheduler).pipe(
                map((): Observation<boolean> => ({ entity: group.id, sensor: 'primary.writable', value: writableInGroup(group, options), at: scheduler.now() })),
                failureDetector({ downAfterMs: options.failureDelay, upAfterMs: options.recoveryDelay, onlyIfPreviouslyUp: false }, scheduler),
                map((s): Symptom => (s.kind === 'up' ? s : { kind: 'no-primary', inputs: inputsNow(group, options, undefined), detail: {} })),
              )
            : snapshots$.pipe(
                startWith(first),
                filter((s) => s.primary === first.primary && s.up !== undefined),
                map((s) => s.up as Observation<boolean>),
                failureDetector({ downAfterMs: options.failureDelay, upAfterMs: options.recoveryDelay }, scheduler),
                map((s): Symptom => ({ ...s, detail: { primary: first.primary } })),
              );
        return detected$.pipe(switchMap((s) => (s.kind === 'up' ? EMPTY : concat(of(s), reconsiderations(s)))));
      }),
    );
    return merge(failures$, splitBrain$, newPrimary$);
  };
}
