import { sliceCopy } from './string-copy.js';

const SECRET = /pass(word|phrase)?|secret|token|api[-_]?key|credential|private[-_]?key|authorization|cookie/i;

/** Keys whose verdict is remembered at most, and the longest remembered (a record's keys are few and short). */
const REMEMBERED_KEYS = 1_000;
const REMEMBERED_KEY_LENGTH = 64;
const secretVerdicts = new Map<string, boolean>();

/**
 * Whether `key` looks like it names a secret. The verdicts of short keys are remembered: the same few keys
 * (a symptom's `value` and `bound`, an effector's params) are asked about at every decision, and the pattern
 * costs more than the rest of a small record's copy. Once the memo is full, keys not in it are tested each time.
 */
function isSecretKey(key: string): boolean {
  const known = secretVerdicts.get(key);
  if (known !== undefined) return known;
  const secret = SECRET.test(key);
  if (key.length <= REMEMBERED_KEY_LENGTH && secretVerdicts.size < REMEMBERED_KEYS) secretVerdicts.set(key, secret);
  return secret;
}

/** What a redacted copy may hold; anything past a bound is cut and marked, so every record stays small. */
export interface RedactLimits {
  /** Nesting levels kept; deeper values become a `[truncated: ...]` marker. Default 16. */
  readonly maxDepth?: number;
  /** Keys kept per object. Default 200. */
  readonly maxKeys?: number;
  /** Items kept per array. Default 200. */
  readonly maxItems?: number;
  /** Characters kept per string (and per key). Default 4 096. */
  readonly maxString?: number;
  /** Values copied in all; the rest become markers. Default 5 000. */
  readonly maxNodes?: number;
}

/** The marker that replaces the value of a secret-looking key. */
export const REDACTED = '[redacted]';

/** The prefix of every marker that stands for something cut off by a bound. */
export const TRUNCATED_PREFIX = '[truncated';

const DEFAULTS: Required<RedactLimits> = { maxDepth: 16, maxKeys: 200, maxItems: 200, maxString: 4_096, maxNodes: 5_000 };

/**
 * A bounded, JSON-safe deep copy with the values of secret-looking keys (password, secret, token, api key,
 * credential, authorization, cookie...) replaced by `[redacted]` at any depth: secrets never reach logs,
 * decisions, invocation records or audit entries. What lies past a bound (depth, keys, items, string length,
 * total size) is replaced by a `[truncated: ...]` marker instead of being copied, so a hostile value (a body
 * nested 10 000 levels deep, a megabyte string) cannot make a record that later breaks a store or a reader.
 * Never throws: cycles, functions, bigints and throwing getters become markers or strings.
 */
export function redact(value: unknown, limits?: RedactLimits): unknown {
  // the common case at every decision (a number, a flag, no params): nothing to copy, nothing to bound
  const scalar = value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean';
  if (scalar && (limits?.maxNodes ?? 1) >= 1) return value;
  // the next most common (a symptom's detail, small params): one level of short scalars, copied in one pass
  if (limits === undefined && typeof value === 'object') {
    const flat = flatCopy(value as object);
    if (flat) return flat;
  }
  const bounds = limits === undefined ? DEFAULTS : { ...DEFAULTS, ...limits };
  const state = { nodes: 0, seen: new Set<object>() };
  return copy(value, 0, bounds, state);
}

/**
 * The copy `copy` makes of a plain object whose values are all numbers, flags, nulls or short strings under
 * short keys, within the default bounds; undefined for anything else (nested, long, many keys, a secret-looking
 * key, a getter that throws, another prototype), which takes the general copy.
 */
function flatCopy(object: object): Record<string, unknown> | undefined {
  if (Object.getPrototypeOf(object) !== Object.prototype) return undefined;
  const keys = Object.keys(object);
  if (keys.length > DEFAULTS.maxKeys || keys.length + 1 > DEFAULTS.maxNodes) return undefined;
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (key.length > DEFAULTS.maxString || isSecretKey(key)) return undefined;
    const item = read(object, key);
    const type = typeof item;
    if (!(item === null || type === 'number' || type === 'boolean' || type === 'undefined' || (type === 'string' && (item as string).length <= DEFAULTS.maxString))) return undefined;
    out[key] = item;
  }
  return out;
}

/** True when `value` is, or contains, a truncation marker made by `redact`. */
export function isTruncated(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith(TRUNCATED_PREFIX) || value.includes(`…${TRUNCATED_PREFIX}`);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([k, v]) => k.startsWith(TRUNCATED_PREFIX) || isTruncated(v));
}

function copy(value: unknown, depth: number, bounds: Required<RedactLimits>, state: { nodes: number; seen: Set<object> }): unknown {
  if (++state.nodes > bounds.maxNodes) return `${TRUNCATED_PREFIX}: more than ${bounds.maxNodes} values]`;
  switch (typeof value) {
    case 'string':
      return cut(value, bounds.maxString);
    case 'number':
    case 'boolean':
    case 'undefined':
      return value;
    case 'bigint':
      return value.toString();
    case 'function':
    case 'symbol':
      return `[${typeof value}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (depth >= bounds.maxDepth) return `${TRUNCATED_PREFIX}: deeper than ${bounds.maxDepth} levels]`;
  if (state.seen.has(object)) return '[circular]';
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? null : object.toISOString();
  if (object instanceof Error) return { name: cut(object.name, bounds.maxString), message: cut(object.message, bounds.maxString) };
  state.seen.add(object);
  try {
    if (Array.isArray(object)) {
      const out = object.slice(0, bounds.maxItems).map((v) => copy(v, depth + 1, bounds, state));
      if (object.length > bounds.maxItems) out.push(`${TRUNCATED_PREFIX}: ${object.length - bounds.maxItems} more items]`);
      return out;
    }
    const out: Record<string, unknown> = {};
    const keys = Object.keys(object);
    for (const key of keys.slice(0, bounds.maxKeys)) {
      const safeKey = cut(key, bounds.maxString);
      out[safeKey] = isSecretKey(key) ? REDACTED : copy(read(object, key), depth + 1, bounds, state);
    }
    if (keys.length > bounds.maxKeys) out[`${TRUNCATED_PREFIX}]`] = `${keys.length - bounds.maxKeys} more keys`;
    return out;
  } finally {
    state.seen.delete(object);
  }
}

function read(object: object, key: string): unknown {
  try {
    return (object as Record<string, unknown>)[key];
  } catch {
    return '[unreadable]';
  }
}

function cut(text: string, max: number): string {
  // a copy, not a slice: a slice would keep the whole text alive for as long as the redacted copy lives
  return text.length <= max ? text : `${sliceCopy(text, 0, max)}…${TRUNCATED_PREFIX}: ${text.length - max} more characters]`;
}
