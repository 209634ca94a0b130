import fc from 'fast-check';

/**
 * Mutations of a parsed blueprint (plain JSON-like data) for fuzzing the loader: keys dropped, values swapped
 * for values of other types or extreme ones, unknown keys injected, entity ids duplicated, references to an
 * ancestor (a cycle, written as a recursive YAML alias) or to another subtree (a shared alias).
 */

/** A key or an index: where a value is inside the blueprint. */
export type Step = string | number;

/** Marks a value that stands for a mapping nested this many levels deep. */
const DEEP = '\u0001nested:';

/** `value` as it goes into the blueprint: a copy (values drawn are shared between runs), deep nesting built. */
function materialized(value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(DEEP)) {
    let nested: unknown = 1;
    for (let i = Number(value.slice(DEEP.length)); i > 0; i--) nested = { a: nested };
    return nested;
  }
  return value !== null && typeof value === 'object' ? structuredClone(value) : value;
}

/** Values that a field of some other type, or at an extreme, may be given. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null, '', ' ', 0, -0, -1, 0.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, Number.MIN_VALUE, true, false, [], {}, [[]], [null], { '': null },
    'NaN', '1e999', '-5s', '0s', '0', '1ms', '999999999999d', '1e400s', 'P1D', '5 minutes', '10%', '-10%', '1e999%', '*', '.*(', '((a+)+)+$',
    '__proto__', 'constructor', 'toString', '../../etc/passwd', './nope.mjs', 'nope.ts', 'sim.server', 'cluster', 'ghost', '\u0000', '\u202e', '😀',
    'a'.repeat(10_000), { __proto__: null, toString: 1 }, ['a', 'a'], { id: 'web' }, { use: 'autoscaler' }, { name: 'x' }, { kind: 'exec', argv: [] },
  ),
  fc.integer({ min: -3, max: 100_000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 30 }),
  // built when applied (see `materialized`): fast-check's report of a counterexample recurses per level
  fc.integer({ min: 50, max: 400 }).map((depth) => `${DEEP}${depth}`),
);

/** Keys that do not belong anywhere, or that have broken parsers. */
export const nastyKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', '<<', 'id ', 'ID', 'chidren', 'polices', 'config', 'sensors', 'x'.repeat(2_000), '😀', '0'),
  fc.string({ maxLength: 12 }),
);

/** One mutation, as drawn: where is picked by `at` (a fraction of the paths there are). */
export type Mutation =
  | { readonly kind: 'drop'; readonly at: number }
  | { readonly kind: 'swap'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'inject'; readonly at: number; readonly key: string; readonly value: unknown }
  | { readonly kind: 'duplicate-id'; readonly at: number; readonly other: number }
  | { readonly kind: 'cycle'; readonly at: number; readonly up: number }
  | { readonly kind: 'share'; readonly at: number; readonly other: number }
  | { readonly kind: 'repeat'; readonly at: number; readonly times: number }
  | { readonly kind: 'tweak'; readonly at: number; readonly pick: number };

const fraction = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000);

/** A mutation of any kind, swaps most often. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fraction }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), at: fraction, value: nastyValue }), weight: 5 },
  { arbitrary: fc.record({ kind: fc.constant('inject' as const), at: fraction, key: nastyKey, value: nastyValue }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('duplicate-id' as const), at: fraction, other: fraction }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cycle' as const), at: fraction, up: fc.integer({ min: 1, max: 6 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('share' as const), at: fraction, other: fraction }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: fraction, times: fc.integer({ min: 2, max: 50 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('tweak' as const), at: fraction, pick: fraction }), weight: 5 },
);

/** A tweak only: a leaf given another value of its type (what a schema is most likely to let through). */
export const tweak: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constant('tweak' as const), at: fraction, pick: fraction });

/** Values of the same type as a leaf, at the edges of what a schema may let through. */
function tweaksOf(value: unknown, ids: readonly string[]): unknown[] {
  if (typeof value === 'number') return [0, 1, 2, 0.001, 1e-9, 9_999, 10_000, 86_400_000, 2 ** 31, value * 1000, value / 1000, -value, value + 1, value - 1];
  if (typeof value === 'boolean') return [!value];
  if (typeof value === 'string' && /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value)) return ['1ms', '1s', '0s', '100ms', '24d', '25d', '1000d', '0.001ms', '1.5s', '59m'];
  if (typeof value === 'string' && /^\d+(\.\d+)?%$/.test(value)) return ['0%', '100%', '101%', '0.001%', '1000%'];
  if (typeof value === 'string') return [...ids, `${value}x`, value.toUpperCase(), ''];
  return [];
}

/** Every path to a value below `root` (containers and leaves), in document order; a shared value's once. */
export function pathsOf(root: unknown, prefix: Step[] = [], into: Step[][] = [], seen = new Set<object>()): Step[][] {
  if (root === null || typeof root !== 'object' || seen.has(root)) return into;
  seen.add(root);
  const entries: Array<[Step, unknown]> = Array.isArray(root) ? root.map((v, i) => [i, v]) : Object.entries(root);
  for (const [key, value] of entries) {
    const path = [...prefix, key];
    into.push(path);
    pathsOf(value, path, into, seen);
  }
  return into;
}

/** The value at `path`. */
export function valueAt(root: unknown, path: readonly Step[]): unknown {
  let value = root;
  for (const step of path) value = (value as Record<Step, unknown>)[step];
  return value;
}

function pick<T>(items: readonly T[], at: number): T | undefined {
  return items.length === 0 ? undefined : items[Math.floor(at * items.length)];
}

/** Sets `value` at `path` (an own property even for `__proto__`). */
function setAt(root: unknown, path: readonly Step[], value: unknown): void {
  const parent = valueAt(root, path.slice(0, -1)) as Record<Step, unknown>;
  Object.defineProperty(parent, path[path.length - 1] as Step, { value, enumerable: true, writable: true, configurable: true });
}

/** The entity nodes' paths to their `id`. */
function idPaths(root: unknown): Step[][] {
  return pathsOf(root).filter((p) => p[p.length - 1] === 'id' && typeof valueAt(root, p) === 'string');
}

/**
 * Applies `m` to `root` in place (JSON-like data from the blueprint; after a cycle or share it holds shared
 * references, which YAML writes as aliases). Returns what was done, for the report of a failure.
 */
export function applyMutation(root: Record<string, unknown>, m: Mutation): string {
  const paths = pathsOf(root);
  const path = pick(paths, m.at);
  if (!path) return 'nothing (empty)';
  switch (m.kind) {
    case 'drop': {
      const parent = valueAt(root, path.slice(0, -1));
      const last = path[path.length - 1] as Step;
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete (parent as Record<Step, unknown>)[last];
      return `drop ${path.join('.')}`;
    }
    case 'swap':
      setAt(root, path, materialized(m.value));
      return `swap ${path.join('.')} for ${describe(m.value)}`;
    case 'inject': {
      const objects = [[], ...paths].filter((p) => { const v = valueAt(root, p); return v !== null && typeof v === 'object' && !Array.isArray(v); });
      const target = pick(objects, m.at) ?? [];
      setAt(root, [...target, m.key], materialized(m.value));
      return `inject ${[...target, m.key].join('.')} = ${describe(m.value)}`;
    }
    case 'duplicate-id': {
      const ids = idPaths(root);
      const from = pick(ids, m.other);
      const to = pick(ids, m.at);
      if (!from || !to) return 'nothing (no ids)';
      setAt(root, to, valueAt(root, from));
      return `id at ${to.join('.')} = ${String(valueAt(root, from))}`;
    }
    case 'cycle': {
      const containers = paths.filter((p) => p.length > 1 && typeof valueAt(root, p) === 'object' && valueAt(root, p) !== null);
      const target = pick(containers, m.at);
      if (!target) return 'nothing (no containers)';
      const ancestor = target.slice(0, Math.max(0, target.length - m.up));
      const value = valueAt(root, target) as Record<Step, unknown>;
      const key = Array.isArray(value) ? value.length : 'loop';
      Object.defineProperty(value, key, { value: valueAt(root, ancestor), enumerable: true, writable: true, configurable: true });
      return `cycle ${[...target, key].join('.')} -> ${ancestor.join('.') || '(root)'}`;
    }
    case 'share': {
      const from = pick(paths.filter((p) => typeof valueAt(root, p) === 'object'), m.other);
      if (!from) return 'nothing';
      // never into itself (that is a cycle)
      if (from.every((s, i) => path[i] === s)) return 'nothing (would be a cycle)';
      setAt(root, path, valueAt(root, from));
      return `share ${path.join('.')} = ${from.join('.')}`;
    }
    case 'tweak': {
      const leaves = paths.filter((p) => { const v = valueAt(root, p); return v === null || typeof v !== 'object'; });
      const target = pick(leaves, m.at);
      if (!target) return 'nothing (no leaves)';
      const ids = idPaths(root).map((p) => valueAt(root, p) as string);
      const value = pick(tweaksOf(valueAt(root, target), ids), m.pick);
      if (value === undefined) return 'nothing (no tweak)';
      setAt(root, target, value);
      return `tweak ${target.join('.')} to ${describe(value)}`;
    }
    case 'repeat': {
      const lists = paths.filter((p) => Array.isArray(valueAt(root, p)) && (valueAt(root, p) as unknown[]).length > 0);
      const target = pick(lists, m.at);
      if (!target) return 'nothing (no lists)';
      const list = valueAt(root, target) as unknown[];
      const copy = structuredClone(list[0]);
      for (let i = 1; i < m.times; i++) list.push(structuredClone(copy));
      return `repeat ${target.join('.')}.0 ${m.times} times`;
    }
  }
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 80 ? `${text.slice(0, 80)}…` : text;
  } catch {
    return String(value);
  }
}

/** YAML that plain data never writes: tags, special floats, aliases, merge keys, complex keys, documents. */
export const yamlSnippet = fc.constantFrom(
  '.nan', '.inf', '-.inf', '.NaN', '0x1F', '0o17', '1_000', '~', 'null', '!!binary aGVsbG8=', '!!set { a, b }', '!!omap [ a: 1, b: 2 ]',
  '!!timestamp 2001-12-14', '!!int 0x10', '!!float 1', '!!str 5', '!!map { a: 1 }', '!!seq [1]', '!!bool yes', '!foo bar', '!<tag:x> y', '*nowhere',
  '&a 1', '{ <<: { a: 1 } }', '{ ? [a, b] : c }', '[ ? a : b ]', '"\\ud800"', '"\\u0000"', "'a\tb'", '|\n  text', '>-\n  folded', '"a\\x00b"',
  '2001-12-14t21:59:43.10-05:00', '1e999', '-0.0', '0.', '+12', 'yes', 'no', 'on', 'off', 'Y', '= ', '{ a: 1, a: 2 }', '[1, 2,, 3]', '@x', '`x`',
);

/** A text mutation: the value of the line picked by `at` (a fraction of the `key: value` lines) becomes `snippet`. */
export interface TextMutation {
  readonly at: number;
  readonly snippet: string;
}

export const textMutation: fc.Arbitrary<TextMutation> = fc.record({ at: fraction, snippet: yamlSnippet });

/** Applies `m` to blueprint `text`: returns the text and what was done. */
export function applyTextMutation(text: string, m: TextMutation): { text: string; done: string } {
  const lines = text.split('\n');
  const valued = lines.flatMap((line, i) => (/^(\s*(?:- )?[\w.-]+:\s+)(\S.*)$/.test(line) ? [i] : []));
  const index = pick(valued, m.at);
  if (index === undefined) return { text, done: 'nothing (no key: value lines)' };
  const line = lines[index] as string;
  const [, head = ''] = /^(\s*(?:- )?[\w.-]+:\s+)/.exec(line) ?? [];
  const indent = ' '.repeat(head.length);
  lines[index] = `${head}${m.snippet.replace(/\n/g, `\n${indent}`)}`;
  return { text: lines.join('\n'), done: `line ${index + 1}: ${line.trim()} -> ${JSON.stringify(m.snippet)}` };
}
