import type { z } from 'zod';
import type { EffectorContext } from '../define-effector.js';
import type { ParamsDecl } from './param-schema.js';

/** A problem in a declaration, at a path relative to the effector's declaration. */
export interface KindProblem {
  readonly path: ReadonlyArray<string | number>;
  readonly message: string;
}

/** What a kind may check a declaration against: its params and the entity's config. */
export interface KindCheckContext {
  readonly params: ParamsDecl;
  /** Returns undefined when a template name resolves (`params.x`, `id`, `config.y`), else why not. */
  readonly known: (ref: string) => string | undefined;
}

/** The common part of a declaration, as a kind sees it when it builds the effector. */
export interface EffectorDeclaration {
  readonly name: string;
  readonly idempotent: boolean;
  readonly timeoutMs: number;
}

/** The function an effector runs: params already validated, context as the invoker gives it. */
export type EffectorRun = (params: Readonly<Record<string, unknown>>, context: EffectorContext) => Promise<unknown>;

/**
 * An effector kind (`http`, `exec`, `notify`, or your own): how an `effectors:` declaration of that kind in a
 * blueprint becomes an effector. The kind's own fields sit next to the common ones (`name`, `kind`,
 * `params`, `idempotent`, `timeout`, `retry`, `description`) and are validated by `fields`.
 */
export interface EffectorKind<F = unknown> {
  /** The name used as `kind:` in blueprints. */
  readonly kind: string;
  readonly description: string;
  /** Schema of the kind's own fields; use a strict object so unknown keys are reported. */
  readonly fields: z.ZodType<F>;
  /** Problems only visible once params are known: templates naming unknown params, malformed URLs. */
  check?(fields: F, context: KindCheckContext): KindProblem[];
  /** Builds the run function of one declared effector. */
  create(fields: F, declaration: EffectorDeclaration): EffectorRun;
}

/** Registry of effector kinds by name. */
export class EffectorKindRegistry {
  private readonly kinds = new Map<string, EffectorKind>();

  constructor(kinds: Iterable<EffectorKind> = []) {
    for (const kind of kinds) this.register(kind);
  }

  /** Adds a kind (a later kind of the same name replaces the earlier). */
  register<F>(kind: EffectorKind<F>): this {
    this.kinds.set(kind.kind, kind as EffectorKind);
    return this;
  }

  /** The kind of that name, if registered. */
  get(name: string): EffectorKind | undefined {
    return this.kinds.get(name);
  }

  /** Every kind name, sorted (for messages). */
  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Every kind, for copying a registry. */
  all(): EffectorKind[] {
    return [...this.kinds.values()];
  }
}

/** Declares an effector kind (typed fields). */
export function defineEffectorKind<F>(kind: EffectorKind<F>): EffectorKind<F> {
  return Object.freeze({ ...kind });
}
