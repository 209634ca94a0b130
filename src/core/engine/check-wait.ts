import type { SchedulerLike } from 'rxjs';
import type { EntityTree } from '../entity-tree.js';
import { HomeostatError } from '../errors.js';
import type { Check } from '../../knowledge/decision.js';

/** Whether a value satisfies a check. */
export function holds(check: Check, value: unknown): boolean {
  if (value === undefined) return false;
  switch (check.op) {
    case 'eq':
      return value === check.value;
    case 'ne':
      return value !== check.value;
    case 'gt':
      return typeof value === 'number' && value > (check.value as number);
    case 'gte':
      return typeof value === 'number' && value >= (check.value as number);
    case 'lt':
      return typeof value === 'number' && value < (check.value as number);
    case 'lte':
      return typeof value === 'number' && value <= (check.value as number);
  }
}

/**
 * Resolves when the check holds on a fresh reading (at once if it already does), rejects when it has not
 * held within its time. Waits on the scheduler, so runbooks are tested in virtual time.
 */
export function waitForCheck(tree: EntityTree, scheduler: SchedulerLike, check: Check): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const entity = tree.find(check.entity);
    if (!entity || !entity.hasSensor(check.sensor)) {
      reject(new HomeostatError('E_CHECK', `check on ${check.entity}.${check.sensor}: no such sensor`));
      return;
    }
    const sensor = entity.sensor(check.sensor);
    if (holds(check, sensor.value)) return resolve();
    const timer = scheduler.schedule(() => {
      subscription.unsubscribe();
      reject(new HomeostatError('E_CHECK_FAILED', `check ${check.entity}.${check.sensor} ${check.op} ${String(check.value)} did not hold within ${check.withinMs} ms (last: ${String(sensor.current?.value)})`));
    }, check.withinMs);
    const subscription = sensor.readings$.subscribe((reading) => {
      if (!holds(check, reading.value)) return;
      timer.unsubscribe();
      subscription.unsubscribe();
      resolve();
    });
  });
}
