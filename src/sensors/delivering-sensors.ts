import type { Sensor } from './sensor.js';

/**
 * The sensors handing a reading to their subscribers right now, outermost first: a subscriber that publishes
 * on another sensor while told of a reading nests that reading's delivery inside the first. A reader of many
 * sensors that counts their readings as it hears them (a quorum) may hear the inner reading before the outer
 * one reached it: the outer sensor is here until every subscriber has had it, so the reader can take its new
 * value first. Usually empty, or one sensor long.
 */
export const deliveringSensors: Array<Sensor<unknown>> = [];
