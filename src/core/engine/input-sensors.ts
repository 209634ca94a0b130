import type { EntityTree } from '../entity-tree.js';
import type { Sensor } from '../../sensors/sensor.js';

/** Inputs remembered per policy, the first ones of a symptom: a window of many readings is looked up past them. */
const REMEMBERED_INPUTS = 16;

interface Found {
  readonly entity: string;
  readonly sensor: string;
  readonly found: Sensor<unknown>;
}

/**
 * The sensors a policy's symptom inputs come from, remembered by the input's position: a policy's symptoms
 * name the same entity and sensor plan after plan, and looking each up in the tree (an id, then a sensor
 * name) at every plan cost more than the rest of the staleness check. What is remembered is exactly what
 * `tree.find(entity)?.findSensor(sensor)` answers: an entity's sensors are never removed (a sensor found
 * stays found, and its definition with it), and the whole memo is forgotten as soon as the tree changes what
 * `find` answers. A sensor not found is not remembered (one may be added to the entity later).
 *
 * Every policy that has planned keeps one, for the life of the tree: the first input (most symptoms have one)
 * is kept in fields of its own, and an array for the others is made only for a symptom with several. An
 * array and a record for one input took about 220 bytes more per policy (220 MB in a fleet of a million).
 */
export class InputSensors {
  private version = -1;
  private firstEntity: string | undefined;
  private firstSensor: string | undefined;
  private firstFound: Sensor<unknown> | undefined;
  /** Inputs 1 to 15, by position less one (made with the first symptom of several inputs). */
  private others: Array<Found | undefined> | undefined;

  constructor(private readonly tree: EntityTree) {}

  /** The sensor of the input at `position`, as `tree.find(entity)?.findSensor(sensor)` gives it now. */
  sensorOf(position: number, entity: string, sensor: string): Sensor<unknown> | undefined {
    const version = this.tree._lookupVersion;
    if (version !== this.version) {
      this.version = version;
      this.firstFound = undefined;
      if (this.others) this.others.length = 0;
    }
    if (position === 0) {
      if (this.firstFound !== undefined && this.firstEntity === entity && this.firstSensor === sensor) return this.firstFound;
    } else if (position < REMEMBERED_INPUTS) {
      const known = this.others?.[position - 1];
      if (known !== undefined && known.entity === entity && known.sensor === sensor) return known.found;
    }
    const found = this.tree.find(entity)?.findSensor(sensor);
    // a lookup that could not have changed the tree (findSensor creates a declared sensor's object at most)
    if (found !== undefined && this.tree._lookupVersion === version && position < REMEMBERED_INPUTS) this.remember(position, entity, sensor, found);
    return found;
  }

  private remember(position: number, entity: string, sensor: string, found: Sensor<unknown>): void {
    if (position === 0) {
      this.firstEntity = entity;
      this.firstSensor = sensor;
      this.firstFound = found;
    } else (this.others ??= [])[position - 1] = { entity, sensor, found };
  }
}
