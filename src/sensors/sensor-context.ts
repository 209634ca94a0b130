import type { SchedulerLike, Subject } from 'rxjs';
import type { RejectedReading } from './reading.js';

/**
 * What every sensor of one tree shares: the clock that stamps its readings and the sink its rejected readings
 * go to. One object per tree, where two fields in each sensor would make every sensor 8 bytes larger: the
 * publishing loop walks through the sensors one after another, and pays for each byte of them.
 */
export interface SensorContext {
  readonly scheduler: SchedulerLike;
  readonly rejections: Subject<RejectedReading>;
}

/** The latest context made for each rejection sink (a tree has one sink and one scheduler). */
const contexts = new WeakMap<Subject<RejectedReading>, SensorContext>();

/** The shared context of `scheduler` and `rejections`: the one made before for the same pair, or a new one. */
export function sensorContext(scheduler: SchedulerLike, rejections: Subject<RejectedReading>): SensorContext {
  const known = contexts.get(rejections);
  if (known !== undefined && known.scheduler === scheduler) return known;
  const context: SensorContext = Object.freeze({ scheduler, rejections });
  contexts.set(rejections, context);
  return context;
}
