import fc from 'fast-check';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { WriteOp } from '../../src/knowledge/store.js';

/** A structural picture of a value: key order, own keys with undefined values, prototypes. */
export function picture(value: unknown): unknown {
  if (typeof value === 'bigint') return `bigint:${value}`;
  if (typeof value === 'symbol' || typeof value === 'function') return `[${typeof value}]`;
  if (value === undefined) return '[undefined]';
  if (value === null || typeof value !== 'object') return value;
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const kind = proto === null ? 'null-proto' : (proto.constructor?.name ?? 'anonymous');
  const keys = Object.keys(value);
  return { kind, keys, values: keys.map((k) => picture((value as Record<string, unknown>)[k])) };
}

/** A store that keeps the writes it was given, as they came. */
export class WatchedStore extends MemoryStore {
  readonly given: WriteOp[] = [];
  override async write(ops: readonly WriteOp[]): Promise<void> {
    this.given.push(...ops);
    return super.write(ops);
  }
}

/** Values a record's free fields may hold, odd ones included (dates, maps, a `__proto__` key, secrets). */
export const oddValue = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  fc.constantFrom(undefined, null, 0, -0, Number.NaN, '', 'x', true),
  fc.integer().map((n) => new Date(n)),
  fc.integer().map((n) => new Map([['k', n]])),
  fc.constant(null).map(() => JSON.parse('{"__proto__": {"x": 1}, "y": 2}') as unknown),
  fc.constant(null).map(() => ({ password: 'p', token: { a: 1 } })),
);

/**
 * The picture of what a fresh memory store reads back (`read`) after `write`, or the name of what either threw:
 * the same for a record the store copied on write and for one it kept as the knowledge front handed it over.
 */
export async function readBack(write: (store: MemoryStore) => Promise<void>, read: (store: MemoryStore) => Promise<unknown>): Promise<unknown> {
  const store = new MemoryStore();
  try {
    await write(store);
    return picture(await read(store));
  } catch (error) {
    return `threw ${(error as Error).name}`;
  }
}
