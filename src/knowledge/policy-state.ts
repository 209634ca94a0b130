import type { Json } from './store.js';

/**
 * One policy's persistent state (stabilization history, cooldown stamps, restart counters). Reads are
 * synchronous from the knowledge cache; writes go to the store through the ordered write buffer, so a
 * restarted service resumes where it stopped.
 */
export interface PolicyState {
  get<T extends Json>(key: string): T | undefined;
  /** Sets a value; `undefined` deletes the key. */
  set(key: string, value: Json | undefined): void;
  keys(): string[];
}
