import path from 'node:path';
import type { EntityType } from '../drivers/entity-type.js';
import { EntityTypeRegistry } from '../drivers/entity-type.js';
import { EffectorKindRegistry, type EffectorKind } from '../effectors/kinds/effector-kind.js';
import { builtinFeedKinds } from '../sensors/feeds/builtin-feed-kinds.js';
import { FeedKindRegistry, type FeedCommon, type FeedKind } from '../sensors/feeds/feed-kind.js';
import { describeError } from '../core/errors.js';
import { importModule } from './import-module.js';
import type { PathProblem } from './node-validator.js';

/**
 * What a types module (named in a blueprint's `types:`) exports as its default: the entity types, feed
 * kinds and effector kinds it adds. Blueprints then use them exactly as the built-ins, with the same
 * validation.
 */
export interface TypeModule {
  readonly entityTypes?: readonly EntityType[];
  /** Kinds for `feeds: [{ kind: ... }]`: a schema (spread `feedCommonShape` into it) and a reader. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each kind has its own declaration type
  readonly feedKinds?: ReadonlyArray<FeedKind<any>>;
  readonly effectorKinds?: readonly EffectorKind[];
}

/** Declares a types module (the default export of a file named in `types:`). */
export function defineTypes(module: TypeModule): TypeModule {
  return Object.freeze({ ...module });
}

/** The registries a blueprint validates against once its types modules are loaded. */
export interface LoadedTypes {
  readonly types: EntityTypeRegistry;
  readonly effectorKinds: EffectorKindRegistry;
  /** Feed kinds: the given registry, or a copy of it (the built-ins when none was given) with the modules' kinds. */
  readonly feedKinds: FeedKindRegistry | undefined;
  readonly problems: PathProblem[];
}

/** The registries that types modules add to. */
export interface BaseRegistries {
  readonly types: EntityTypeRegistry;
  readonly effectorKinds: EffectorKindRegistry;
  /** Undefined: the built-in feed kinds, built only when a module adds one. */
  readonly feedKinds?: FeedKindRegistry;
}

/**
 * Loads the modules of `types:` (paths relative to `baseDir`) on top of copies of the given registries.
 * A module that cannot load, exports something else, or redefines a name is a problem at its `types[i]`.
 */
export async function loadTypeModules(paths: readonly string[], baseDir: string, base: BaseRegistries): Promise<LoadedTypes> {
  const result = { types: new EntityTypeRegistry(base.types.all()), effectorKinds: new EffectorKindRegistry(base.effectorKinds.all()), feedKinds: base.feedKinds, problems: [] as PathProblem[] };
  let ownFeedKinds: FeedKindRegistry | undefined;
  for (const [i, file] of paths.entries()) {
    const at = ['types', i];
    let candidate: unknown;
    try {
      candidate = (await importModule(path.resolve(baseDir, file)))['default'];
    } catch (error) {
      result.problems.push({ path: at, message: `types module '${file}': ${describeError(error)}` });
      continue;
    }
    const problem = shapeProblem(candidate);
    if (problem) {
      result.problems.push({ path: at, message: `types module '${file}': ${problem}` });
      continue;
    }
    const module = candidate as TypeModule;
    for (const type of module.entityTypes ?? []) {
      if (result.types.get(type.name)) result.problems.push({ path: at, message: `types module '${file}': entity type '${type.name}' is already defined` });
      else result.types.register(type);
    }
    for (const kind of module.feedKinds ?? []) {
      ownFeedKinds ??= result.feedKinds = new FeedKindRegistry((base.feedKinds ?? builtinFeedKinds()).all());
      if (ownFeedKinds.get(kind.name)) result.problems.push({ path: at, message: `types module '${file}': feed kind '${kind.name}' is already defined` });
      else ownFeedKinds.register(kind as FeedKind<FeedCommon>);
    }
    for (const kind of module.effectorKinds ?? []) {
      if (result.effectorKinds.get(kind.kind)) result.problems.push({ path: at, message: `types module '${file}': effector kind '${kind.kind}' is already defined` });
      else result.effectorKinds.register(kind);
    }
  }
  return result;
}

/** Why a default export is not a types module, or undefined when it is one. */
function shapeProblem(value: unknown): string | undefined {
  const expected = 'its default export must be defineTypes({ entityTypes, feedKinds, effectorKinds })';
  if (typeof value !== 'object' || value === null) return expected;
  const { entityTypes, feedKinds, effectorKinds, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length > 0) return `unknown export key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (${expected})`;
  if (entityTypes !== undefined && (!Array.isArray(entityTypes) || !entityTypes.every(isEntityType))) return 'entityTypes must be a list of entity types ({ name, description, config: a zod schema, start? })';
  if (feedKinds !== undefined && (!Array.isArray(feedKinds) || !feedKinds.every(isFeedKind))) return 'feedKinds must be a list of feed kinds ({ name, description, schema: a zod schema, create })';
  if (effectorKinds !== undefined && (!Array.isArray(effectorKinds) || !effectorKinds.every(isEffectorKind))) return 'effectorKinds must be a list of effector kinds ({ kind, description, fields: a zod schema, create })';
  return undefined;
}

function isEntityType(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v['name'] === 'string' && typeof (v['config'] as { safeParse?: unknown } | undefined)?.safeParse === 'function';
}

function isFeedKind(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v['name'] === 'string' && typeof v['create'] === 'function' && typeof (v['schema'] as { safeParse?: unknown } | undefined)?.safeParse === 'function';
}

function isEffectorKind(value: unknown): boolean {
  const v = value as Record<string, unknown> | null;
  return typeof v === 'object' && v !== null && typeof v['kind'] === 'string' && typeof v['create'] === 'function' && typeof (v['fields'] as { safeParse?: unknown } | undefined)?.safeParse === 'function';
}
