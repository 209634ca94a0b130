import type { Entity } from '../core/entity.js';
import type { ScheduleWindow } from './schedule-window.js';

/**
 * The floor held on an entity (its `scale.floor` sensor, set by the `setFloor` effector, e.g. by a DR
 * runbook until failback), as a floor window an autoscaler applies like a scheduled one. Empty when none.
 */
export function heldFloor(entity: Entity): ScheduleWindow[] {
  const floor = entity.hasSensor('scale.floor') ? entity.sensor<{ min: number; by: string }>('scale.floor').current?.value : undefined;
  if (!floor || floor.min <= 0) return [];
  return [{ cron: `floor held by ${floor.by}`, duration: Number.POSITIVE_INFINITY, size: floor.min, mode: 'floor' }];
}
