import { parsePolicyConfigSafely } from './policy-hooks.js';
import path from 'node:path';
import type { z } from 'zod';
import type { EntityTypeRegistry } from '../drivers/entity-type.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import type { EffectorKindRegistry } from '../effectors/kinds/effector-kind.js';
import { resolveEffectorDecls } from './effector-decl.js';
import { knownKeysAt, unknownDroppedKeys, unknownKeyMessage } from './key-suggestions.js';
import { plainIssueMessage } from './issue-messages.js';
import { loadPolicyModule } from './policy-modules.js';
import { builtinFeedKinds } from '../sensors/feeds/builtin-feed-kinds.js';
import type { FeedKindRegistry } from '../sensors/feeds/feed-kind.js';
import { validateFeeds } from './feed-kinds.js';
import { applyFeedStaleness } from './feed-staleness.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity, ResolvedPolicy } from './resolved.js';
import { enricherDeclSchema, entityNodeSchema, policyDeclSchema, sensorDeclSchema, type PolicyDecl } from './schema.js';
import { sensorFromDecl } from './sensor-decl.js';
import { toGuards } from '../planners/guard-schema.js';
import { guarded } from '../policies/guarded.js';

/** A problem before positions are known: where in the document, and what. */
export interface PathProblem {
  readonly path: DocPath;
  readonly message: string;
  /** Set when the problem is an unknown key, so the position points at the key. */
  readonly key?: string;
}

/** What node validation needs. */
export interface NodeValidatorOptions {
  readonly types: EntityTypeRegistry;
  readonly policies: ReadonlyMap<string, AnyPolicyDefinition>;
  /** Folder that policy module paths are relative to (the blueprint's folder). */
  readonly baseDir: string;
  /** Feed kinds; default the built-in ones (prometheus, http, exec). */
  readonly feedKinds?: FeedKindRegistry;
  /** Kinds that `effectors:` declarations may use. */
  readonly effectorKinds: EffectorKindRegistry;
  /** How long a policy module may take to load; default 10 s. */
  readonly moduleLoadTimeoutMs?: number;
}

const ENTITY_KEYS = new Set(Object.keys(entityNodeSchema.shape));

/**
 * Validates entity nodes one at a time, collecting every problem: a bad node does not stop its siblings
 * and children from being checked.
 */
export class NodeValidator {
  readonly problems: PathProblem[] = [];
  /** Every entity id declared, with where. */
  readonly ids = new Map<string, DocPath>();
  private readonly moduleCache = new Map<string, Promise<AnyPolicyDefinition>>();
  private feedKinds: FeedKindRegistry | undefined;

  constructor(private readonly options: NodeValidatorOptions) {}

  /** Adds zod issues under a document path. */
  addIssues(at: DocPath, issues: readonly z.core.$ZodIssue[], schema?: z.ZodType): void {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        const known = schema ? knownKeysAt(schema, issue.path) : [];
        for (const key of issue.keys) this.problems.push({ path: [...at, ...issue.path.map(toSegment)], message: unknownKeyMessage(key, known), key });
        continue;
      }
      // a field checked on its own (an entity's `type`) has no path of its own in the issue: its key names it
      const last = at[at.length - 1];
      // (zod's own messages only: a refinement's message is written for its field and reads on its own)
      const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : typeof last === 'string' && issue.code !== 'custom' ? `${last}: ` : '';
      this.problems.push({ path: [...at, ...issue.path.map(toSegment)], message: `${where}${plainIssueMessage(issue.message)}` });
    }
  }

  /**
   * Reports the keys of a config that its schema's parse dropped (a module's `z.object`, which would
   * otherwise run on a default where a key was misspelt) as unknown keys. @returns whether there were any
   */
  private addDroppedKeys(at: DocPath, raw: unknown, parsed: unknown, schema: z.ZodType): boolean {
    const dropped = unknownDroppedKeys(schema, raw, parsed);
    for (const { path, key } of dropped) this.problems.push({ path: [...at, ...path], message: unknownKeyMessage(key, knownKeysAt(schema, path)), key });
    return dropped.length > 0;
  }

  /**
   * Validates one entity node and, recursively, its memberSpec and children. Fields are checked one by one
   * (and list items one by one), so a problem in one place never hides a problem in another.
   */
  async node(raw: unknown, at: DocPath, template = false): Promise<ResolvedEntity | undefined> {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.problems.push({ path: at, message: 'an entity is a mapping with at least an id' });
      return undefined;
    }
    const fields = raw as Record<string, unknown>;
    for (const key of Object.keys(fields)) if (!ENTITY_KEYS.has(key)) this.problems.push({ path: at, message: unknownKeyMessage(key, [...ENTITY_KEYS]), key });
    const shape = entityNodeSchema.shape;
    const id = template && fields['id'] === undefined ? '' : this.field(shape.id, fields['id'], [...at, 'id'], 'id');
    const typeName = this.field(shape.type, fields['type'], [...at, 'type']);
    const name = this.field(shape.name, fields['name'], [...at, 'name']);
    const rawConfig = this.field(shape.config, fields['config'], [...at, 'config']);
    const sensors = this.items(sensorDeclSchema, fields['sensors'], [...at, 'sensors']);
    const enrichers = this.items(enricherDeclSchema, fields['enrichers'], [...at, 'enrichers']);
    const policyDecls = this.items(policyDeclSchema, fields['policies'], [...at, 'policies']);
    const quorumDecl = this.field(shape.quorum, fields['quorum'], [...at, 'quorum']);
    const budget = this.field(shape.budget, fields['budget'], [...at, 'budget']);
    const tenant = this.field(shape.tenant, fields['tenant'], [...at, 'tenant']);
    const quota = this.field(shape.quota, fields['quota'], [...at, 'quota']);
    const resources = this.field(shape.resources, fields['resources'], [...at, 'resources']);
    const members = this.field(shape.members, fields['members'], [...at, 'members']);
    const shard = this.field(shape.shard, fields['shard'], [...at, 'shard']);
    const memberSpecRaw = this.field(shape.memberSpec, fields['memberSpec'], [...at, 'memberSpec']);
    const childrenRaw = this.field(shape.children, fields['children'], [...at, 'children']) ?? [];

    if (id && !template) {
      if (this.ids.has(id)) this.problems.push({ path: [...at, 'id'], message: `duplicate entity id '${id}'` });
      else this.ids.set(id, at);
    }
    const type = typeName === undefined ? undefined : this.options.types.get(typeName);
    if (typeName !== undefined && !type) this.problems.push({ path: [...at, 'type'], message: `unknown entity type '${typeName}' (known: ${this.options.types.names().join(', ')})` });
    const config = type && rawConfig ? type.config.safeParse(rawConfig) : undefined;
    if (config && !config.success) this.addIssues([...at, 'config'], config.error.issues, type?.config);
    else if (config && type) this.addDroppedKeys([...at, 'config'], rawConfig, config.data, type.config);
    const feeds = validateFeeds(fields['feeds'], [...at, 'feeds'], {
      kinds: (this.feedKinds ??= this.options.feedKinds ?? builtinFeedKinds()),
      rawConfig,
      type,
      problem: (p) => this.problems.push(p),
      issues: (where, issues) => this.addIssues(where, issues),
    });
    if (type?.needsMemberSpec && fields['memberSpec'] === undefined) this.problems.push({ path: at, message: `an entity of type '${type.name}' needs a memberSpec (the template of its members)` });
    const effectors = resolveEffectorDecls(fields['effectors'], [...at, 'effectors'], {
      kinds: this.options.effectorKinds,
      config: rawConfig,
      reserved: new Set([...(type?.effectors ?? []), 'escalate']),
      addIssues: (where, issues) => this.addIssues(where, issues),
      problems: this.problems,
    });
    const policies: ResolvedPolicy[] = [];
    for (const [i, decl] of policyDecls.entries()) {
      if (!decl) continue;
      const policy = await this.policy(decl, [...at, 'policies', i]);
      if (policy) policies.push({ ...policy, index: i });
    }
    const memberSpec = memberSpecRaw ? await this.node(memberSpecRaw, [...at, 'memberSpec'], true) : undefined;
    if (memberSpec && type?.memberTypes && !type.memberTypes.includes(memberSpec.type.name)) {
      this.problems.push({ path: [...at, 'memberSpec', 'type'], message: `the members of a '${type.name}' are of type ${type.memberTypes.map((t) => `'${t}'`).join(' or ')}, not '${memberSpec.type.name}'` });
    }
    const children: ResolvedEntity[] = [];
    for (const [i, child] of childrenRaw.entries()) {
      const resolved = await this.node(child, [...at, 'children', i]);
      if (resolved) children.push(resolved);
    }
    // A node with problems but a known type stays in the tree so cross-checks still see its sensors; a
    // blueprint with any problem is never deployed.
    if (!type || id === undefined) return undefined;
    if (quorumDecl && type.ownHealth) this.problems.push({ path: [...at, 'quorum'], message: `type '${type.name}' computes its own service.up: ${type.ownHealth}` });
    const quorum = quorumDecl ?? type.defaultQuorum;
    return applyFeedStaleness({
      id,
      ...(name === undefined ? {} : { name }),
      type,
      config: config?.success ? config.data : rawConfig,
      rawConfig: rawConfig ?? {},
      sensors: sensors.filter((d) => d !== undefined).map(sensorFromDecl),
      enrichers: positioned(enrichers),
      feeds: positioned(feeds),
      effectors,
      ...(quorum === undefined ? {} : { quorum }),
      ...(budget === undefined ? {} : { budget: { actions: budget.actions, windowMs: budget.window } }),
      ...(tenant === undefined ? {} : { tenant }),
      ...(quota === undefined ? {} : { quota }),
      ...(resources === undefined ? {} : { resources }),
      policies,
      members: members ?? [],
      ...(shard === true ? { shard: true } : {}),
      ...(memberSpec === undefined ? {} : { memberSpec }),
      children,
      path: at,
    });
  }

  /** Parses one field; records its issues and returns undefined when it fails. */
  private field<S extends z.ZodType>(schema: S, value: unknown, at: DocPath, required?: string): z.output<S> | undefined {
    if (value === undefined && required) {
      this.problems.push({ path: at.slice(0, -1), message: `missing '${required}'` });
      return undefined;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    this.addIssues(at, parsed.error.issues, schema);
    return undefined;
  }

  /** Parses a list item by item, so one bad item does not hide another. */
  private items<S extends z.ZodType>(schema: S, value: unknown, at: DocPath): Array<z.output<S> | undefined> {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problems.push({ path: at, message: 'expected a list' });
      return [];
    }
    return value.map((item, i) => this.field(schema, item, [...at, i]));
  }

  private async policy(decl: PolicyDecl, at: DocPath): Promise<Omit<ResolvedPolicy, 'index'> | undefined> {
    let definition: AnyPolicyDefinition | undefined;
    if (decl.use !== undefined) {
      definition = this.options.policies.get(decl.use);
      if (!definition) this.problems.push({ path: [...at, 'use'], message: `unknown policy '${decl.use}' (built-in: ${[...this.options.policies.keys()].sort().join(', ')}; or give a module path)` });
    } else if (decl.module !== undefined) {
      const file = path.resolve(this.options.baseDir, decl.module);
      try {
        let loading = this.moduleCache.get(file);
        if (!loading) this.moduleCache.set(file, (loading = loadPolicyModule(file, this.options.moduleLoadTimeoutMs === undefined ? {} : { timeoutMs: this.options.moduleLoadTimeoutMs })));
        definition = await loading;
      } catch (error) {
        this.problems.push({ path: [...at, 'module'], message: `policy module '${decl.module}': ${(error as Error).message}` });
      }
    }
    if (!definition) return undefined;
    // a module's schema is user code: a transform or refine that throws is a problem here, like a refusal
    const config = parsePolicyConfigSafely(definition, decl.config);
    if ('problem' in config) {
      this.problems.push({ path: [...at, 'config'], message: config.problem });
      return undefined;
    }
    if ('issues' in config) {
      this.addIssues([...at, 'config'], config.issues.map((issue) => ({ ...issue, message: `${issue.message} (policy '${definition.name}')` })), definition.config);
      return undefined;
    }
    if (this.addDroppedKeys([...at, 'config'], decl.config, config.data, definition.config)) return undefined;
    const guards = toGuards(decl.when);
    return {
      ...(decl.id === undefined ? {} : { id: decl.id }),
      definition: guards ? guarded(definition, guards) : definition,
      ...(decl.when === undefined ? {} : { when: decl.when }),
      config: decl.config,
      cooldownMs: decl.cooldown,
      dryRun: decl.dryRun,
      suspended: decl.suspended,
    };
  }
}

/** The items that parsed, each with its index in the document. */
function positioned<T extends object>(items: ReadonlyArray<T | undefined>): Array<T & { index: number }> {
  return items.flatMap((item, index) => (item === undefined ? [] : [{ ...item, index }]));
}

function toSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}
