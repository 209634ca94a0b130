import { readListPage } from './entity-pages.js';
import type { ListedEntity } from './types.js';

/** Entities a page of the walk reads: a page of 2,000 costs the service about 16 ms, so the loops beside it barely notice. */
export const INDEX_PAGE = 2_000;

/** Most entities the walk reads (100 pages): a filter over a larger tree searches these and says so. */
export const INDEX_MAX = 200_000;

/** How old an index may be (ms) before a change of the filter reads the tree again (entities come and go). */
export const INDEX_MAX_AGE_MS = 60_000;

/** What the walk has read: entities in pre-order (an ancestor before what is under it). */
export interface IndexState {
  readonly entities: readonly ListedEntity[];
  /** True once the walk reached the last page (or stopped at {@link INDEX_MAX}). */
  readonly done: boolean;
  /** True when the walk stopped at {@link INDEX_MAX} with pages left. */
  readonly truncated: boolean;
  /** Page time (ms) the walk that gave these entities began. */
  readonly startedAt: number;
  /** Why the last walk stopped early (an API failure), if it did. */
  readonly error?: string;
}

/**
 * Every entity of the session's subtrees (one after the other, in order), read page by page in the background (the list form of `GET /entities`), for a
 * filter that finds any entity, not only those the tree view has loaded. One walk at a time, started by
 * {@link EntityIndex.ensure} when there is none or it is older than {@link INDEX_MAX_AGE_MS}; a new walk shows
 * its entities as they come when there was none before, and replaces the old ones once complete otherwise.
 */
export class EntityIndex {
  private current: IndexState | undefined;
  private walking = false;
  private stopped = false;

  /** @param roots where the session's view starts (its scope roots, none inside another, or the tree's root) */
  constructor(private readonly roots: readonly string[], private readonly onChange: (state: IndexState) => void, private readonly now: () => number = Date.now) {}

  /** What is read so far (undefined before the first page). */
  get state(): IndexState | undefined {
    return this.current;
  }

  /** Starts a walk unless one runs, or the last one is complete and recent. */
  ensure(): void {
    if (this.walking || this.stopped) return;
    if (this.current?.done && this.current.error === undefined && this.now() - this.current.startedAt < INDEX_MAX_AGE_MS) return;
    this.walking = true;
    void this.walk().finally(() => (this.walking = false));
  }

  /** Ends the walk under way after its current page (the view went away). */
  stop(): void {
    this.stopped = true;
  }

  private async walk(): Promise<void> {
    const startedAt = this.now();
    const progressive = this.current === undefined || !this.current.done;
    const entities: ListedEntity[] = [];
    let cursor: string | undefined;
    const publish = (state: IndexState): void => {
      this.current = state;
      this.onChange(state);
    };
    try {
      for (const [at, root] of this.roots.entries()) {
        const last = at === this.roots.length - 1;
        do {
          const page = await readListPage(root, 100, INDEX_PAGE, cursor);
          if (this.stopped) return;
          entities.push(...page.items);
          cursor = page.next;
          // pages left of this root, or roots left after it
          const left = cursor !== undefined || !last;
          const truncated = left && entities.length >= INDEX_MAX;
          const done = !left || truncated;
          if (progressive || done) publish({ entities, done, truncated, startedAt });
          if (truncated) return;
        } while (cursor !== undefined);
      }
      // no root (a token that sees nothing): nothing to read
      if (this.roots.length === 0) publish({ entities, done: true, truncated: false, startedAt });
    } catch (error) {
      if (!this.stopped) publish({ entities: progressive ? entities : this.current?.entities ?? entities, done: true, truncated: false, startedAt, error: (error as Error).message });
    }
  }
}
