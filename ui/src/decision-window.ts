import type { Decision } from './types.js';

/** How many decisions the console keeps by default: the newest; older ones stay in the API's decision log. */
export const KEPT_DECISIONS = 1000;

/** Newest first: by time, then by id. */
const newestFirst = (a: Decision, b: Decision): number => b.at - a.at || b.id.localeCompare(a.id);

/**
 * The newest decisions the console has seen, by id, at most `capacity` of them: a page left open on a busy
 * service for days holds as much as one opened a minute ago. The newest-first list is sorted once per change,
 * not once per read (a flood of events between two renders sorts once).
 */
export class DecisionWindow {
  private readonly byId = new Map<string, Decision>();
  private sorted: Decision[] | undefined = [];

  constructor(readonly capacity: number = KEPT_DECISIONS) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`DecisionWindow capacity must be a whole number from 1, got ${capacity}`);
  }

  get size(): number {
    return this.byId.size;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get(id: string): Decision | undefined {
    return this.byId.get(id);
  }

  /** Adds or replaces a decision (a coalesced record comes again with the same id and a higher count). */
  put(decision: Decision): void {
    this.byId.set(decision.id, decision);
    this.sorted = undefined;
    // trimmed in steps of a tenth, so that a flood that no view reads sorts once per hundred decisions
    if (this.byId.size > this.capacity + Math.ceil(this.capacity / 10)) this.list();
  }

  /** Lets go of every decision held. */
  clear(): void {
    this.byId.clear();
    this.sorted = [];
  }

  /** The time of the newest decision held; 0 when none. */
  newestAt(): number {
    return this.list()[0]?.at ?? 0;
  }

  /** At most `capacity` decisions, newest first (the older ones past that are let go here). */
  list(): readonly Decision[] {
    if (this.sorted !== undefined) return this.sorted;
    const sorted = [...this.byId.values()].sort(newestFirst);
    if (sorted.length > this.capacity) {
      for (const d of sorted.splice(this.capacity)) this.byId.delete(d.id);
    }
    this.sorted = sorted;
    return sorted;
  }
}
