import type { Observation } from '../sensors/reading.js';

/**
 * The last readings of one sensor in a ring preallocated to its capacity: appending never allocates or
 * shifts, which matters on the path of every reading of a watched sensor.
 */
export class ReadingRing {
  private readonly slots: Array<Observation | undefined>;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.slots = new Array<Observation | undefined>(capacity).fill(undefined);
  }

  /** Keeps the reading, forgetting the oldest once full. */
  push(observation: Observation): void {
    this.slots[this.next] = observation;
    this.next = this.next + 1 === this.capacity ? 0 : this.next + 1;
    if (this.count < this.capacity) this.count += 1;
  }

  /** Number of readings kept. */
  get size(): number {
    return this.count;
  }

  /** The readings kept, oldest first. */
  toArray(): Observation[] {
    const out: Observation[] = [];
    const start = this.count < this.capacity ? 0 : this.next;
    for (let i = 0; i < this.count; i++) {
      const o = this.slots[(start + i) % this.capacity];
      if (o) out.push(o);
    }
    return out;
  }
}
