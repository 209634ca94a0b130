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
 */
export class InputSensors {
  private version = -1;
  private readonly byPosition: Array<Found | undefined> = [];

  constructor(private readonly tree: EntityTree) {}

  /** The sensor of the input at `position`, as `tree.find(entity)?.findSensor(sensor)` gives it now. */
  sensorOf(position: number, entity: string, sensor: string): Sensor<unknown> | undefined {
    const version = this.tree._lookupVersion;
    if (version !== this.version) {
      this.version = version;
      this.byPosition.length = 0;
    }
    if (position >= REMEMBERED_INPUTS) return this.tree.find(entity)?.findSensor(sensor);
    const known = this.byPosition[position];
    if (known !== undefined && known.entity === entity && known.sensor === sensor) return known.found;
    const found = this.tree.find(entity)?.findSensor(sensor);
    // a lookup that could not have changed the tree (findSensor creates a declared sensor's object at most)
    if (found !== undefined && this.tree._lookupVersion === version) this.byPosition[position] = { entity, sensor, found };
    return found;
  }
}
