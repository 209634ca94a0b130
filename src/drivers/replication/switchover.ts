import { z } from 'zod';
import type { Entity } from '../../core/entity.js';
import { HomeostatError } from '../../core/errors.js';
import { defineEffector } from '../../effectors/define-effector.js';
import { nameParam, TargetStateError, UnknownTargetError } from '../effector-params.js';
import type { DriverContext } from '../entity-type.js';

const params = z.strictObject({
  /** The replica to promote; default the up replica with the least lag (then the highest weight). */
  to: nameParam.optional(),
  /** Largest lag (seconds) the replica may have before anything is done. Default 5. */
  maxLag: z.number().min(0).max(86_400, 'at most 86400 s').default(5),
  /** How long the replica may take to reach the fenced primary's last position. Default 10 s. */
  catchUpMs: z.number().int().min(0).max(600_000, 'at most 600000 ms').default(10_000),
});

const value = <T>(db: Entity, sensor: string): T | undefined => (db.hasSensor(sensor) ? db.sensor<T>(sensor).value : undefined);

function writablePrimary(db: Entity): boolean {
  return value<string>(db, 'role') === 'primary' && value<boolean>(db, 'service.up') === true;
}

function chooseTarget(databases: Entity[], to: string | undefined, maxLag: number): Entity {
  if (to !== undefined) {
    const named = databases.find((d) => d.id === to);
    if (!named) throw new UnknownTargetError(`'${to}' is not a database of this group`);
    const lag = value<number>(named, 'replication.lag');
    if (value<string>(named, 'role') !== 'replica' || value<boolean>(named, 'service.up') !== true || lag === undefined || lag > maxLag) throw new TargetStateError(`'${to}' is not an up replica within ${maxLag} s of lag (role: ${String(value(named, 'role'))}, lag: ${String(lag)})`);
    return named;
  }
  const eligible = databases.filter((d) => value<string>(d, 'role') === 'replica' && value<boolean>(d, 'service.up') === true && (value<number>(d, 'replication.lag') ?? Infinity) <= maxLag);
  eligible.sort((a, b) => (value<number>(a, 'replication.lag') ?? 0) - (value<number>(b, 'replication.lag') ?? 0) || Number(b.config['weight'] ?? 1) - Number(a.config['weight'] ?? 1));
  const best = eligible[0];
  if (!best) throw new TargetStateError(`no up replica within ${maxLag} s of lag to switch over to`);
  return best;
}

/** The next reading of `sensor` on `db`; undefined when none comes within `withinMs`. */
function nextReading(db: Entity, sensor: string, withinMs: number, context: DriverContext): Promise<number | undefined> {
  return new Promise((resolve) => {
    const readings = db.sensor<number>(sensor);
    const timer = context.scheduler.schedule(() => {
      subscription.unsubscribe();
      resolve(undefined);
    }, withinMs);
    const subscription = readings.readings$.subscribe(() => {
      timer.unsubscribe();
      subscription.unsubscribe();
      resolve(readings.value);
    });
  });
}

/**
 * Waits until `target` has applied at least `offset` (its `replication.offset`), polling the sensor's
 * readings on the context's scheduler; false when `withinMs` passes first.
 */
function caughtUp(target: Entity, offset: number, withinMs: number, context: DriverContext): Promise<boolean> {
  return new Promise((resolve) => {
    const sensor = target.sensor<number>('replication.offset');
    if ((sensor.value ?? -1) >= offset) return resolve(true);
    const timer = context.scheduler.schedule(() => {
      subscription.unsubscribe();
      resolve(false);
    }, withinMs);
    const subscription = sensor.readings$.subscribe(() => {
      if ((sensor.value ?? -1) < offset) return;
      timer.unsubscribe();
      subscription.unsubscribe();
      resolve(true);
    });
  });
}

/**
 * `switchover` of a real replication group: a planned change of primary, by a person or a runbook. Checks the
 * replica (up, lag within `maxLag`), fences the primary (it takes no more writes), waits until the replica
 * has the primary's last position, promotes it, and brings the old primary back as a replica: its `rejoin`
 * (PostgreSQL: pg_rewind where needed, standby.signal, start) when it has one, else its fence ends by itself
 * on the next poll (Redis with `fence.rejoin`: REPLICAOF the new primary). When the replica does not catch up,
 * nothing is promoted: the old primary is unfenced where it can be (`unfence`), else stays fenced, and the
 * error says which. When the promotion fails, the old primary stays fenced (the promotion may still complete)
 * and the error says the group may have no writable primary, and what to check.
 */
export function switchoverEffector(group: Entity, databases: () => Entity[], context: DriverContext): ReturnType<typeof defineEffector<z.output<typeof params>, { from: string; to: string; oldPrimary: string }>> {
  return defineEffector({
    name: 'switchover',
    description: 'planned: fence the primary, wait until the chosen replica has its last write, promote the replica, and bring the old primary back as a replica',
    params,
    timeoutMs: 180_000,
    run: async ({ to, maxLag, catchUpMs }) => {
      const members = databases();
      const primaries = members.filter(writablePrimary);
      if (primaries.length !== 1) throw new TargetStateError(`'${group.id}' has ${primaries.length} writable primaries; a switchover needs exactly one`);
      const old = primaries[0] as Entity;
      const target = chooseTarget(members, to, maxLag);
      const caller = `${group.id}/switchover`;
      await context.invoke(old, 'fence', {}, caller);
      // a fenced server that still answers reports the position it stopped at on its next poll
      const lastOffset = (await nextReading(old, 'replication.offset', 2_000, context)) ?? value<number>(old, 'replication.offset') ?? 0;
      if (!(await caughtUp(target, lastOffset, catchUpMs, context))) {
        const undone = old.hasEffector('unfence') ? await context.invoke(old, 'unfence', {}, caller).then(() => true, () => false) : false;
        throw new HomeostatError('E_SWITCHOVER_ABORTED', `'${target.id}' did not reach the primary's last position ${lastOffset} within ${catchUpMs} ms; nothing promoted; '${old.id}' ${undone ? 'unfenced and primary again' : 'stays fenced (rejoin or promote it by hand)'}`, { retryable: true });
      }
      try {
        await context.invoke(target, 'promote', {}, caller);
      } catch (error) {
        // the old primary stays fenced: a promotion asked for may still complete, and unfencing then would make two primaries
        throw new HomeostatError('E_SWITCHOVER_ABORTED', `'${old.id}' was fenced, then promoting '${target.id}' failed (${error instanceof Error ? error.message : String(error)}); '${old.id}' stays fenced, so the group may have no writable primary: check '${target.id}''s role (a promotion may still be under way), then promote it, or unfence '${old.id}' by hand`, { retryable: false });
      }
      const rejoined = old.hasEffector('rejoin') ? await context.invoke(old, 'rejoin', {}, caller).then(() => 'rejoined as a replica', (error: Error) => `still fenced: rejoin failed (${error.message})`) : 'rejoins as a replica on its next poll';
      return { from: old.id, to: target.id, oldPrimary: rejoined };
    },
  });
}
