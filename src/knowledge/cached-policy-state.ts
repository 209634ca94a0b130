import type { Json } from './store.js';
import type { PolicyState } from './policy-state.js';
import type { Knowledge } from './knowledge.js';

/** A policy's view of its state: reads from the knowledge cache, writes through the ordered buffer. */
export class CachedPolicyState implements PolicyState {
  constructor(
    private readonly knowledge: Knowledge,
    private readonly policy: string,
  ) {}

  get<T extends Json>(key: string): T | undefined {
    return this.knowledge._stateGet(this.policy, key) as T | undefined;
  }

  set(key: string, value: Json | undefined): void {
    this.knowledge._stateSet(this.policy, key, value);
  }

  keys(): string[] {
    return this.knowledge._stateKeys(this.policy);
  }
}
