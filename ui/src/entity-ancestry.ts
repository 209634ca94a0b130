import { api } from './api.js';
import type { EntitySummary } from './types.js';

/**
 * The ancestry of entities named by id (the ids from the root of the session's view they are under down to
 * each, by its `path`), asked of the API
 * one entity at a time (`GET /entities?root=<id>&depth=0`: its summary alone, whatever its size) and kept.
 * Decisions name their entity by id only; the subtree filter needs what each is in. An entity the API does
 * not place (gone from the tree, outside the scope, or the read failed) is its own ancestry and is not asked again.
 */
export class AncestryLookup {
  private readonly chains = new Map<string, readonly string[]>();
  private readonly queue: string[] = [];
  private readonly asked = new Set<string>();
  private running = false;
  private stopped = false;

  /** @param roots where the session's view starts (its scope roots, or the tree's root) */
  constructor(private readonly roots: readonly string[], private readonly onChange: () => void) {}

  /** The ids from the scope root it is under down to `id` once known; `[id]` until then. */
  chainOf(id: string): readonly string[] {
    return this.chains.get(id) ?? [id];
  }

  /** Asks for the ancestry of the ids not asked for yet (one request at a time, in order). */
  want(ids: Iterable<string>): void {
    for (const id of ids) {
      if (this.asked.has(id)) continue;
      this.asked.add(id);
      this.queue.push(id);
    }
    if (!this.running && this.queue.length > 0) void this.drain();
  }

  /** Stops asking (the view went away). */
  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
        const chain = await api<EntitySummary>('GET', `/entities?root=${encodeURIComponent(id)}&depth=0`).then((e) => chainIn(e.path, this.roots), () => [id]);
        if (this.stopped) return;
        this.chains.set(id, chain.length > 0 ? chain : [id]);
        this.onChange();
      }
    } finally {
      this.running = false;
    }
  }
}

/** The ids of a path (`/shop/web/web-1`: entity ids hold no '/'), from the first of `roots` on it down, when one is. */
export function chainIn(path: string, roots: readonly string[]): string[] {
  const ids = path.split('/').filter((s) => s !== '');
  const at = ids.findIndex((id) => roots.includes(id));
  return at < 0 ? ids : ids.slice(at);
}
