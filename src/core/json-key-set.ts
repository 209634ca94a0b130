/** Keys an object holds before the ones it has are found through a hash table rather than one by one. */
const LINEAR_KEYS = 8;

/** Slots probed for one key before the object's keys move to a `Set` (keys made to collide cost no more). */
const MAX_PROBES = 32;

/** Seed of the key hash, another in each process, so that keys cannot be chosen ahead to collide. */
const SEED = (Math.random() * 0x1_0000_0000) | 0;

/** The hash `JsonKeySet` files a key under: the running hash of its characters, started with `startKeyHash()`. */
export function startKeyHash(): number {
  return SEED;
}

/** The running hash of a key after one more character (UTF-16 unit). */
export function addToKeyHash(hash: number, unit: number): number {
  return Math.imul(hash ^ unit, 0x01000193);
}

/** The hash of a whole key given as a string. */
export function keyHash(key: string): number {
  let hash = SEED;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash;
}

/**
 * The keys of one JSON object being read, for telling whether a key comes twice. A key with no escape is
 * held as where it stands in the text (no string is made for it): a 16 MiB body of a million keys costs a
 * few typed arrays, not a million strings in a `Set`. A key with escapes is held decoded, so `"a"` and
 * `"\u0061"` are one key. Cleared and reused for each object at one depth.
 */
export class JsonKeySet {
  private starts: Int32Array = new Int32Array(16);
  private lengths: Int32Array = new Int32Array(16);
  private hashes: Int32Array = new Int32Array(16);
  /** Keys held decoded (had escapes); an entry's start `-1 - i` is `decoded[i]`. */
  private readonly decoded: string[] = [];
  /** Open addressing over the entries (entry index + 1; 0 empty), once the object has more than a few keys. */
  private table: Int32Array | undefined;
  /** The keys as strings instead, once a key probed too long in the table. */
  private set: Set<string> | undefined;
  /** Keys held. */
  count = 0;

  constructor(private readonly text: string) {}

  /** Empties the set for the next object. */
  clear(): void {
    this.count = 0;
    this.decoded.length = 0;
    this.table = undefined;
    this.set = undefined;
  }

  /**
   * Adds a key: `length` characters of the text from `start` (no escape in them), or `decoded` (start
   * ignored), with `hash` from `keyHash` or the running hash. True when the object had the key already.
   */
  add(start: number, length: number, hash: number, decoded?: string): boolean {
    if (this.set !== undefined) {
      const key = decoded ?? this.text.slice(start, start + length);
      if (this.set.has(key)) return true;
      this.push(start, length, hash, decoded);
      this.set.add(key);
      return false;
    }
    if (this.table === undefined) {
      for (let e = 0; e < this.count; e++) if (this.hashes[e] === hash && this.same(e, start, length, decoded)) return true;
      this.push(start, length, hash, decoded);
      if (this.count > LINEAR_KEYS) this.rebuild(64);
      return false;
    }
    const mask = this.table.length - 1;
    let slot = mixed(hash) & mask;
    for (let probes = 0; ; probes++) {
      const held = this.table[slot] as number;
      if (held === 0) break;
      if (this.hashes[held - 1] === hash && this.same(held - 1, start, length, decoded)) return true;
      if (probes === MAX_PROBES) return this.toSet().add(start, length, hash, decoded);
      slot = (slot + 1) & mask;
    }
    this.push(start, length, hash, decoded);
    this.table[slot] = this.count;
    if (this.count * 2 > this.table.length) this.rebuild(this.table.length * 2);
    return false;
  }

  /** The key of entry `e` (0 first) as a string. */
  keyAt(e: number): string {
    const start = this.starts[e] as number;
    return start < 0 ? (this.decoded[-1 - start] as string) : this.text.slice(start, start + (this.lengths[e] as number));
  }

  /** Whether entry `e` is the key `length` characters from `start`, or `decoded`. */
  private same(e: number, start: number, length: number, decoded: string | undefined): boolean {
    if (this.lengths[e] !== length) return false;
    const held = this.starts[e] as number;
    if (held < 0 || decoded !== undefined) return this.keyAt(e) === (decoded ?? this.text.slice(start, start + length));
    for (let k = 0; k < length; k++) if (this.text.charCodeAt(held + k) !== this.text.charCodeAt(start + k)) return false;
    return true;
  }

  private push(start: number, length: number, hash: number, decoded: string | undefined): void {
    if (this.count === this.starts.length) {
      this.starts = grown(this.starts);
      this.lengths = grown(this.lengths);
      this.hashes = grown(this.hashes);
    }
    if (decoded !== undefined) this.decoded.push(decoded);
    this.starts[this.count] = decoded === undefined ? start : -this.decoded.length;
    this.lengths[this.count] = length;
    this.hashes[this.count] = hash;
    this.count++;
  }

  /** A table of `size` slots over the entries held (a power of two, at least twice the entries). */
  private rebuild(size: number): void {
    const table = new Int32Array(size);
    const mask = size - 1;
    for (let e = 0; e < this.count; e++) {
      let slot = mixed(this.hashes[e] as number) & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = e + 1;
    }
    this.table = table;
  }

  /** Moves the keys to a `Set` (its hash is seeded by V8), for an object whose keys collide in the table. */
  private toSet(): this {
    this.set = new Set<string>();
    for (let e = 0; e < this.count; e++) this.set.add(this.keyAt(e));
    this.table = undefined;
    return this;
  }
}

/**
 * A hash whose low bits (the slot) depend on all of its bits: in the running hash they depend only on the low
 * bits of the characters, so keys whose characters differ above them would share a slot, whatever the seed.
 */
function mixed(hash: number): number {
  let h = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The same numbers in an array twice as long. */
function grown(array: Int32Array): Int32Array {
  const bigger = new Int32Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
