import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import { intervalSchema } from '../../core/duration.js';
import type { Entity } from '../../core/entity.js';

const sensorName = z.string().regex(/^[a-z][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$/, "a sensor name is dotted identifiers, e.g. 'cpu.mean'");

/**
 * Fields every feed kind has, to spread into a kind's schema: the sensor it feeds, how often (`every`,
 * default 15 s), how long one read may take (`timeout`, default 5 s), `jitter` (each wait is lengthened by
 * up to this fraction, default 0.1), `maxBackoff` (longest wait while failing, default 5 min) and
 * `staleAfter` (the sensor's staleness bound when it declares none; default 2 x every + timeout).
 */
export const feedCommonShape = {
  sensor: sensorName,
  every: intervalSchema.default(15_000),
  timeout: intervalSchema.default(5_000),
  jitter: z.number().min(0).max(1).default(0.1),
  maxBackoff: intervalSchema.default(300_000),
  staleAfter: intervalSchema.optional(),
};

/** The parsed common fields (times in ms). */
export interface FeedCommon {
  readonly kind: string;
  readonly sensor: string;
  readonly every: number;
  readonly timeout: number;
  readonly jitter: number;
  readonly maxBackoff: number;
  readonly staleAfter?: number;
}

/** One value read for one entity's sensor; the sensor validates it (NaN is rejected, never read as zero). */
export interface FeedSample {
  readonly entity: Entity;
  readonly value: unknown;
}

/** What one read produced: values, and entities that got none (an empty result), with why. */
export interface FeedResult {
  readonly samples: readonly FeedSample[];
  readonly missing: ReadonlyArray<{ readonly entity: Entity; readonly reason: string }>;
}

/** Reads once. Rejects on failure (HTTP error, timeout, bad output); honours the signal. */
export type FeedReader = (signal: AbortSignal) => Promise<FeedResult>;

/** What a kind may use when it builds a reader. */
export interface FeedKindContext {
  readonly scheduler: SchedulerLike;
  /** Environment that secrets are read from; default process.env. */
  readonly env: NodeJS.ProcessEnv;
}

/** A template string inside a declaration, for `validate` to check the fields it names. */
export interface FeedTemplate {
  readonly path: ReadonlyArray<string | number>;
  readonly text: string;
  /** True when the template is rendered per member (it may name `member.*`). */
  readonly perMember?: boolean;
}

/**
 * A kind of feed (`prometheus`, `http`, `exec`, or one a module registers): its declaration schema, the
 * templates in a declaration, whether it feeds the entity's members rather than the entity, and how it reads.
 */
export interface FeedKind<D extends FeedCommon = FeedCommon> {
  readonly name: string;
  readonly description: string;
  /** Schema of the whole declaration (`kind` included); spread `feedCommonShape` into it. */
  readonly schema: z.ZodType<D>;
  /** Template strings of a parsed declaration. */
  templates?(decl: D): readonly FeedTemplate[];
  /** True when readings go to the entity's members (fan-out), not to the entity itself. */
  fansOut?(decl: D): boolean;
  /** Builds the reader of one entity's feed. */
  create(decl: D, entity: Entity, context: FeedKindContext): FeedReader;
}

/** Feed kinds by name; blueprints name them in `feeds: [{ kind: ... }]`. */
export class FeedKindRegistry {
  private readonly kinds = new Map<string, FeedKind>();

  constructor(kinds: Iterable<FeedKind> = []) {
    for (const kind of kinds) this.register(kind);
  }

  /** Adds or replaces a kind. */
  register<D extends FeedCommon>(kind: FeedKind<D>): this {
    this.kinds.set(kind.name, kind as unknown as FeedKind);
    return this;
  }

  get(name: string): FeedKind | undefined {
    return this.kinds.get(name);
  }

  /** Every kind, in registration order. */
  all(): FeedKind[] {
    return [...this.kinds.values()];
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }
}
