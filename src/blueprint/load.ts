import path from 'node:path';
import { LineCounter, parseDocument, type Alias, type Document, type Node } from 'yaml';
import { describeError } from '../core/errors.js';
import { BUILTIN_POLICIES } from '../policies/builtins.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import { builtinTypes } from '../drivers/builtin-types.js';
import type { EntityTypeRegistry } from '../drivers/entity-type.js';
import type { FeedKindRegistry } from '../sensors/feeds/feed-kind.js';
import { crossCheck } from './cross-checks.js';
import { applyFanOutStaleness } from './feed-staleness.js';
import { duplicateKeyAt } from './duplicate-key-name.js';
import { duplicatePolicyIds } from './policy-ids.js';
import { effectorProblems } from './effector-checks.js';
import { quorumProblems, scalingFloorProblems } from './quorum-checks.js';
import { recursiveAliasProblems } from './recursive-aliases.js';
import { expandingAlias, isAliasExpansionError, unresolvedAliasProblems } from './unresolved-aliases.js';
import { aliasTargets } from './alias-targets.js';
import { sensorProblems } from './sensor-checks.js';
import { entityRefProblems } from './entity-refs.js';
import { memberSpecProblems } from './member-spec-checks.js';
import { shardProblems } from './shard-checks.js';
import { NodeValidator, type PathProblem } from './node-validator.js';
import { keyPositionOf, positionOf } from './positions.js';
import { BlueprintError, type BlueprintProblem } from './problems.js';
import type { Blueprint } from './resolved.js';
import { blueprintTopSchema } from './schema.js';
import { tenancyProblems } from './tenancy-checks.js';
import { z } from 'zod';
import { builtinEffectorKinds } from '../effectors/kinds/builtin-kinds.js';
import type { EffectorKindRegistry } from '../effectors/kinds/effector-kind.js';
import { loadTypeModules } from './type-modules.js';
import { NotUtf8FileError, readTextFile } from '../core/text-file-check.js';

/** Options of `loadBlueprint`: extra entity types and policies a host registers. */
export interface LoadBlueprintOptions {
  /** Entity types; default the built-in ones. */
  readonly types?: EntityTypeRegistry;
  /** Policies by name; added to (and overriding) the built-ins. */
  readonly policies?: ReadonlyMap<string, AnyPolicyDefinition>;
  /** Feed kinds; default the built-in ones (prometheus, http, exec). */
  readonly feedKinds?: FeedKindRegistry;
  /** Effector kinds for `effectors:`; default the built-in ones. */
  readonly effectorKinds?: EffectorKindRegistry;
  /** How long each policy module may take to load before it is reported; default 10 s. */
  readonly moduleLoadTimeoutMs?: number;
}

const topSchema = blueprintTopSchema.extend({ engine: z.strictObject({ dryRun: z.boolean().default(false), seed: z.number().int().optional() }).default({ dryRun: false }) });

/**
 * Reads and validates a blueprint file.
 * @throws BlueprintError with every problem found, each with file, line and column
 */
export async function loadBlueprint(file: string, options: LoadBlueprintOptions = {}): Promise<Blueprint> {
  let text: string;
  try {
    text = await readTextFile(file, { strictUtf8: true });
  } catch (error) {
    const at = error instanceof NotUtf8FileError ? { line: error.line, col: error.col } : { line: 1, col: 1 };
    throw new BlueprintError([{ file, ...at, message: `cannot read the blueprint: ${(error as Error).message}` }]);
  }
  return parseBlueprint(text, file, options);
}

/**
 * Validates blueprint text. `file` names it in problems and anchors relative module paths.
 * @throws BlueprintError with every problem found
 */
export async function parseBlueprint(text: string, file: string, options: LoadBlueprintOptions = {}): Promise<Blueprint> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: BlueprintProblem[] = [];
  let tooDeep = false;
  for (const error of [...doc.errors, ...doc.warnings]) {
    const pos = lines.linePos(error.pos[0]);
    let message = error.message.split('\n')[0] ?? error.message;
    // the parser recurses per level of nesting: a blueprint nested a few hundred levels deep runs it out of
    // stack at every level on the way back up; said once, where it first ran out
    if (/maximum call stack/i.test(message)) {
      if (tooDeep) continue;
      tooDeep = true;
      message = `nested too deeply to parse here (${message}); an entity tree is a handful of levels deep`;
    }
    // a JSON blueprint's object with a key twice is such a mapping too: the problem names the key
    const duplicate = error.code === 'DUPLICATE_KEY' ? duplicateKeyAt(doc, error.pos[0]) : undefined;
    if (duplicate !== undefined) message = `${message} ('${duplicate.length > 40 ? `${duplicate.slice(0, 40)}…` : duplicate}' is given twice; only one value could be kept)`;
    problems.push({ file, line: pos.line, col: pos.col, message: `YAML: ${message}` });
  }
  if (doc.errors.length > 0) throw new BlueprintError(problems);
  const targets = aliasTargets(doc);
  const aliases = [...unresolvedAliasProblems(targets, lines, file), ...recursiveAliasProblems(doc, lines, file, targets)];
  if (aliases.length > 0) throw new BlueprintError([...problems, ...aliases].sort((a, b) => a.line - b.line || a.col - b.col));

  const pathProblems: PathProblem[] = [];
  const raw = readAsData(doc, targets, lines, file, problems);
  const top = topSchema.safeParse(raw ?? {});
  const baseDir = path.dirname(path.resolve(file));
  // types modules first: the nodes that use their types are validated against them
  const loaded = await loadTypeModules(typesOf(raw), baseDir, {
    types: options.types ?? builtinTypes(),
    effectorKinds: options.effectorKinds ?? builtinEffectorKinds(),
    ...(options.feedKinds ? { feedKinds: options.feedKinds } : {}),
  });
  pathProblems.push(...loaded.problems);
  const validator = new NodeValidator({
    types: loaded.types,
    policies: new Map([...BUILTIN_POLICIES, ...(options.policies ?? [])]),
    baseDir,
    effectorKinds: loaded.effectorKinds,
    ...(loaded.feedKinds ? { feedKinds: loaded.feedKinds } : {}),
    ...(options.moduleLoadTimeoutMs === undefined ? {} : { moduleLoadTimeoutMs: options.moduleLoadTimeoutMs }),
  });
  const application = (raw as { application?: unknown } | null)?.application;
  // a missing application is said below, once, in words
  if (!top.success) validator.addIssues([], top.error.issues.filter((issue) => application !== undefined || issue.path[0] !== 'application'), topSchema);
  if (application === undefined) pathProblems.push({ path: [], message: "the blueprint needs an 'application' (the root entity)" });
  const validated = application === undefined ? undefined : await validator.node(application, ['application']);
  const root = validated && applyFanOutStaleness(validated);
  pathProblems.push(...validator.problems);
  if (root) {
    pathProblems.push(...crossCheck(root, new Set(validator.ids.keys())));
    pathProblems.push(...duplicatePolicyIds(root, (at) => positionOf(doc, lines, at).line));
    pathProblems.push(...effectorProblems(root));
    pathProblems.push(...quorumProblems(root), ...scalingFloorProblems(root));
    pathProblems.push(...sensorProblems(root));
    pathProblems.push(...entityRefProblems(root, new Set(validator.ids.keys())));
    pathProblems.push(...memberSpecProblems(root));
    pathProblems.push(...tenancyProblems(root, top.success ? top.data.tenants : {}));
    pathProblems.push(...shardProblems(root));
  }

  for (const problem of pathProblems) {
    const pos = problem.key ? keyPositionOf(doc, lines, problem.path, problem.key) : positionOf(doc, lines, problem.path);
    problems.push({ file, line: pos.line, col: pos.col, message: problem.message });
  }
  if (problems.length > 0 || !top.success || !root) {
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new BlueprintError(problems);
  }
  return {
    name: top.data.name,
    ...(top.data.description === undefined ? {} : { description: top.data.description }),
    file,
    dryRun: top.data.engine.dryRun,
    ...(top.data.engine.seed === undefined ? {} : { seed: top.data.engine.seed }),
    root,
    ...(Object.keys(top.data.tenants).length === 0 ? {} : { tenants: top.data.tenants }),
  };
}

/** The `types:` list as far as it is valid (so a problem elsewhere at the top does not hide custom types). */
function typesOf(raw: unknown): string[] {
  const types = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['types'] : undefined;
  return Array.isArray(types) ? types.filter((t): t is string => typeof t === 'string' && t.length > 0) : [];
}

/**
 * The document as data. The YAML library throws (naming no position) on aliases that expand past its bound
 * (a billion laughs, or one anchor named hundreds of times): that is a problem at the alias that expands it.
 * @throws BlueprintError with `problems` so far and that one
 */
function readAsData(doc: Document, targets: ReadonlyMap<Alias, Node | undefined>, lines: LineCounter, file: string, problems: readonly BlueprintProblem[]): unknown {
  try {
    return doc.toJS() as unknown;
  } catch (error) {
    const expansion = isAliasExpansionError(error);
    const at = (expansion ? expandingAlias(targets, lines) : undefined) ?? { line: 1, col: 1 };
    const message = expansion
      ? 'YAML: aliases expand too far (an anchor repeated past the bound, counting the aliases it holds); a blueprint needs few of them'
      : `YAML: the document cannot be read as data: ${describeError(error)}`;
    throw new BlueprintError([...problems, { file, line: at.line, col: at.col, message }]);
  }
}
