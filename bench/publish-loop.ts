/** What the loop needs of a sensor: any build's Sensor has it. */
interface Publisher {
  publish(raw: unknown): boolean;
}

/**
 * Publishes each reading to its entity's sensor. A module of its own, so that a benchmark comparing two builds
 * in one process can load one instance per build (`import('./publish-loop.js?other')`): one loop shared by
 * both builds' sensors would make its call site polymorphic, and slower than either build runs alone.
 */
export function publishAll(sensors: readonly Publisher[], entity: Int32Array, value: Float64Array): void {
  for (let i = 0; i < entity.length; i++) (sensors[entity[i] as number] as Publisher).publish(value[i]);
}
