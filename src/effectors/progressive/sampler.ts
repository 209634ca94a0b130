import type { SchedulerLike, Subscription } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import type { StepSamples } from './analysis.js';

/**
 * Gathers the numeric readings of `sensors` on the canary and baseline members for `ms` of scheduler time
 * (a step's pause), then resolves with them. Only readings made during the pause count: a reading from
 * before the step describes the old version. Members without the sensor contribute nothing (and a check
 * on it then fails as inconclusive). Rejects with the signal's reason when aborted.
 */
export function sampleDuring(
  sensors: readonly string[],
  sets: { readonly canary: readonly Entity[]; readonly baseline: readonly Entity[] },
  ms: number,
  scheduler: SchedulerLike,
  signal?: AbortSignal,
): Promise<StepSamples> {
  return new Promise((resolve, reject) => {
    const samples = new Map(sensors.map((s) => [s, { canary: [] as number[], baseline: [] as number[] }]));
    const subscriptions: Subscription[] = [];
    for (const [role, members] of [['canary', sets.canary], ['baseline', sets.baseline]] as const) {
      for (const member of members) {
        for (const sensor of sensors) {
          if (!member.hasSensor(sensor)) continue;
          const into = samples.get(sensor)?.[role];
          subscriptions.push(member.sensor(sensor).readings$.subscribe((o) => typeof o.value === 'number' && Number.isFinite(o.value) && into?.push(o.value)));
        }
      }
    }
    const finish = (): void => {
      for (const s of subscriptions) s.unsubscribe();
      signal?.removeEventListener('abort', aborted);
    };
    const aborted = (): void => {
      timer.unsubscribe();
      finish();
      reject(signal?.reason);
    };
    const timer = scheduler.schedule(() => {
      finish();
      resolve(samples);
    }, ms);
    if (signal?.aborted) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
}
