import { JsonKeySet, addToKeyHash, keyHash, startKeyHash } from './json-key-set.js';
import { MAX_JSON_TEXT_DEPTH } from './json-nesting.js';

/** A key of a JSON text that is refused: one an object already has, or one that could change a prototype. */
export interface JsonKeyProblem {
  /** `duplicate`: the object has the key twice; `prototype`: `__proto__`, or `prototype` inside `constructor`. */
  readonly kind: 'duplicate' | 'prototype';
  /** The key as `JSON.parse` reads it (escapes decoded); `constructor.prototype` for that pair. */
  readonly key: string;
  /**
   * Keys and indexes from the root: for a duplicate, to the key itself (`params.replicas`); for a prototype
   * key, to the object holding it (`__proto__`), or holding `constructor` (`constructor.prototype`).
   */
  readonly path: readonly (string | number)[];
  /** Index in the text (UTF-16 units, as `JSON.parse` counts its positions) of the key's opening quote. */
  readonly position: number;
}

/** What one pass over a JSON text found against it; both absent for a text with neither problem. */
export interface JsonTextScan {
  /** Set when the text nests deeper than the bound: the scan stopped there, and the text must not be parsed. */
  readonly nesting?: string;
  /** The first refused key, in text order (only meaningful once the text is known to be JSON). */
  readonly key?: JsonKeyProblem;
}

/** One open array or object of the scan: what it holds so far. Reused for every container at its depth. */
class Level {
  object = false;
  /** In an object: the next string is a key (after `{` or `,`). */
  expectKey = false;
  /** In an array: the index of the current item. */
  index = 0;
  readonly keys: JsonKeySet;

  constructor(text: string) {
    this.keys = new JsonKeySet(text);
  }

  open(object: boolean): void {
    this.object = object;
    this.expectKey = object;
    this.index = 0;
    this.keys.clear();
  }

  /** In an object: its latest key. */
  get key(): string {
    return this.keys.count === 0 ? '' : this.keys.keyAt(this.keys.count - 1);
  }
}

/**
 * One linear pass over a JSON text, before `JSON.parse`: it refuses nesting past `maxDepth` (brackets counted
 * outside strings, as `jsonNestingProblem` does, so a text of brackets is never built), and finds the first
 * key `JSON.parse` would lose or must not be given: a key an object already has (the last value would win
 * silently; `"a"` and `"\u0061"` are one key), or `__proto__` / `constructor.prototype`. Keys are compared as
 * decoded text; one with no escape is taken as it stands. It is no validator: on a text that is not JSON the
 * key it names may be wrong, so the text is parsed before a key problem is told.
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_TEXT_DEPTH): JsonTextScan {
  const levels: Level[] = [];
  let depth = 0;
  let key: JsonKeyProblem | undefined;
  // a text that closes more than it opened is not JSON: keys are not followed after it
  let lost = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const level = key === undefined && !lost && depth > 0 ? (levels[depth - 1] as Level) : undefined;
      if (level === undefined || !level.expectKey) {
        // a value (or keys no longer followed): its brackets are text, an escaped quote does not end it
        for (i++; i < n; i++) {
          const d = text.charCodeAt(i);
          if (d === 0x5c) i++;
          else if (d === 0x22) break;
        }
        continue;
      }
      const start = i + 1;
      let hash = startKeyHash();
      let escaped = false;
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x22) break;
        if (d === 0x5c) {
          escaped = true;
          i++;
        } else hash = addToKeyHash(hash, d);
      }
      level.expectKey = false;
      const decoded = escaped ? decodedString(text, start - 1, i) : undefined;
      const length = decoded === undefined ? i - start : decoded.length;
      if (level.keys.add(start, length, decoded === undefined ? hash : keyHash(decoded), decoded)) {
        const name = decoded ?? text.slice(start, i);
        key = { kind: 'duplicate', key: name, path: [...pathTo(levels, depth), name], position: start - 1 };
      } else if (length === 9) key = prototypeKey(levels, depth, level.key, start - 1);
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { nesting: `it nests arrays and objects deeper than ${maxDepth} levels (refused before parsing)` };
      if (depth > 0) (levels[depth - 1] ??= new Level(text)).open(c === 0x7b);
    } else if (c === 0x7d || c === 0x5d) {
      if (--depth < 0) lost = true;
    } else if (c === 0x2c && depth > 0) {
      const level = levels[depth - 1] as Level;
      if (level.object) level.expectKey = true;
      else level.index++;
    }
  }
  return key === undefined ? {} : { key };
}

/** A key of 9 characters at `depth` refused as one that could change a prototype: `__proto__`, or `prototype` in `constructor`. */
function prototypeKey(levels: readonly Level[], depth: number, name: string, position: number): JsonKeyProblem | undefined {
  if (name === '__proto__') return { kind: 'prototype', key: name, path: pathTo(levels, depth), position };
  const parent = levels[depth - 2];
  if (name === 'prototype' && parent?.object === true && parent.key === 'constructor') return { kind: 'prototype', key: 'constructor.prototype', path: pathTo(levels, depth - 1), position };
  return undefined;
}

/** The keys and indexes leading to the container open at `levels[count - 1]` (the root: none). */
function pathTo(levels: readonly Level[], count: number): (string | number)[] {
  const path: (string | number)[] = [];
  for (let d = 0; d < count - 1; d++) {
    const level = levels[d] as Level;
    path.push(level.object ? level.key : level.index);
  }
  return path;
}

/** The string literal from `start` (its opening quote) to `end` (its closing one), decoded; as it stands if it cannot be. */
function decodedString(text: string, start: number, end: number): string {
  try {
    return JSON.parse(text.slice(start, end + 1)) as string;
  } catch {
    return text.slice(start + 1, end);
  }
}
