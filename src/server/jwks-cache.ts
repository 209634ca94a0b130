import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** How a JWKS is kept: fetched once, kept `maxAgeMs`, refetched early for an unknown key id at most once per `cooldownMs`. */
export interface JwksCacheOptions {
  /** Keys are refetched after this long even when every token names a known key (ms). Default 10 min. */
  readonly maxAgeMs?: number;
  /** At most one refetch per this long, however many tokens name an unknown key (ms). Default 30 s. */
  readonly cooldownMs?: number;
  /** Time allowed for one fetch (ms). Default 5 s. */
  readonly timeoutMs?: number;
  /** Clock (ms since the epoch); injectable so rotation and cooldowns are tested in virtual time. */
  readonly now?: () => number;
}

/** What the cache has done, for status pages and tests. */
export interface JwksCacheStats {
  /** Fetches started (successful or not). */
  readonly fetches: number;
  /** Key ids in the cache now. */
  readonly kids: readonly string[];
}

/**
 * The keys of an identity provider's JWKS address, kept in memory. A token whose `kid` is in the cache is
 * checked without any request. A token naming a `kid` the cache does not have (the provider rotated its keys)
 * triggers one refetch, bounded by a cooldown, so a flood of tokens with made-up key ids costs the provider at
 * most one request per cooldown. Concurrent misses share one fetch. A failed fetch keeps the keys it had.
 */
export class JwksCache {
  private keys: JWTVerifyGetKey | undefined;
  private kids: readonly string[] = [];
  private fetchedAt = -Infinity;
  private attemptedAt = -Infinity;
  private inFlight: Promise<void> | undefined;
  private fetches = 0;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private readonly timeoutMs: number;
  private readonly now: () => number;

  constructor(private readonly url: URL, options: JwksCacheOptions = {}) {
    this.maxAgeMs = options.maxAgeMs ?? 600_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.now = options.now ?? Date.now;
  }

  /** The jose key resolver: a key from the cache, after a refetch when needed and allowed. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    // the first fetch always runs; a stale set is refetched within the cooldown bound like a miss
    if (!this.keys || this.now() - this.fetchedAt >= this.maxAgeMs) await this.refresh(this.attemptedAt === -Infinity);
    const known = header.kid === undefined || this.kids.includes(header.kid);
    // a miss while a fetch runs waits for that fetch; otherwise it may start one once the cooldown is over
    if (!known) await (this.inFlight ?? this.refresh(false));
    if (!this.keys) throw new joseErrors.JWKSInvalid(`the JWKS at ${this.url.href} could not be fetched`);
    return this.keys(header, token);
  };

  /** Fetch count and cached key ids. */
  get stats(): JwksCacheStats {
    return { fetches: this.fetches, kids: this.kids };
  }

  private refresh(force: boolean): Promise<void> {
    if (!this.inFlight) {
      if (!force && this.now() - this.attemptedAt < this.cooldownMs) return Promise.resolve();
      this.inFlight = this.fetchKeys().finally(() => (this.inFlight = undefined));
    }
    return this.inFlight;
  }

  private async fetchKeys(): Promise<void> {
    this.attemptedAt = this.now();
    this.fetches++;
    try {
      const response = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs), headers: { accept: 'application/json' }, redirect: 'error' });
      if (!response.ok) return;
      const jwks = (await response.json()) as JSONWebKeySet;
      if (!Array.isArray(jwks.keys)) return;
      this.keys = createLocalJWKSet(jwks);
      this.kids = jwks.keys.flatMap((k) => (typeof k.kid === 'string' ? [k.kid] : []));
      this.fetchedAt = this.now();
    } catch {
      // unreachable or not JSON: the keys held so far stay; the next miss past the cooldown tries again
    }
  }
}
