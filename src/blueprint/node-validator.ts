import path from 'node:path';
import type { z } from 'zod';
import type { EntityTypeRegistry } from '../drivers/entity-type.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import { loadPolicyModule } from './policy-modules.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity, ResolvedPolicy } from './resolved.js';
import { entityNodeSchema, type PolicyDecl } from './schema.js';
import { sensorFromDecl } from './sensor-decl.js';

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
}

const templateSchema = entityNodeSchema.extend({ id: entityNodeSchema.shape.id.optional() });

/**
 * Validates entity nodes one at a time, collecting every problem: a bad node does not stop its siblings
 * and children from being checked.
 */
export class NodeValidator {
  readonly problems: PathProblem[] = [];
  /** Every entity id declared, with where. */
  readonly ids = new Map<string, DocPath>();
  private readonly moduleCache = new Map<string, Promise<AnyPolicyDefinition>>();

  constructor(private readonly options: NodeValidatorOptions) {}

  /** Adds zod issues under a document path. */
  addIssues(at: DocPath, issues: readonly z.core.$ZodIssue[]): void {
    for (const issue of issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) this.problems.push({ path: [...at, ...issue.path.map(toSegment)], message: `unknown key '${key}'`, key });
        continue;
      }
      const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      this.problems.push({ path: [...at, ...issue.path.map(toSegment)], message: `${where}${issue.message}` });
    }
  }

  /** Validates one entity node and, recursively, its memberSpec and children. */
  async node(raw: unknown, at: DocPath, template = false): Promise<ResolvedEntity | undefined> {
    const parsed = (template ? templateSchema : entityNodeSchema).safeParse(raw ?? {});
    if (!parsed.success) {
      this.addIssues(at, parsed.error.issues);
      const children = (raw as { children?: unknown } | undefined)?.children;
      if (Array.isArray(children)) for (const [i, child] of children.entries()) await this.node(child, [...at, 'children', i]);
      return undefined;
    }
    const node = parsed.data;
    const id = node.id ?? '';
    if (!template) {
      const earlier = this.ids.get(id);
      if (earlier) this.problems.push({ path: [...at, 'id'], message: `duplicate entity id '${id}'` });
      else this.ids.set(id, at);
    }
    const type = this.options.types.get(node.type);
    if (!type) this.problems.push({ path: [...at, 'type'], message: `unknown entity type '${node.type}' (known: ${this.options.types.names().join(', ')})` });
    const config = type?.config.safeParse(node.config);
    if (config && !config.success) this.addIssues([...at, 'config'], config.error.issues);
    if (type?.needsMemberSpec && !node.memberSpec) this.problems.push({ path: at, message: `an entity of type '${type.name}' needs a memberSpec (the template of its members)` });
    const policies: ResolvedPolicy[] = [];
    for (const [i, decl] of node.policies.entries()) {
      const policy = await this.policy(decl, [...at, 'policies', i]);
      if (policy) policies.push(policy);
    }
    const memberSpec = node.memberSpec ? await this.node(node.memberSpec, [...at, 'memberSpec'], true) : undefined;
    const children: ResolvedEntity[] = [];
    for (const [i, child] of node.children.entries()) {
      const resolved = await this.node(child, [...at, 'children', i]);
      if (resolved) children.push(resolved);
    }
    if (!type || !config?.success) return undefined;
    const quorum = node.quorum ?? type.defaultQuorum;
    return {
      id,
      ...(node.name === undefined ? {} : { name: node.name }),
      type,
      config: config.data,
      rawConfig: node.config,
      sensors: node.sensors.map(sensorFromDecl),
      enrichers: node.enrichers,
      ...(quorum === undefined ? {} : { quorum }),
      policies,
      members: node.members,
      ...(memberSpec === undefined ? {} : { memberSpec }),
      children,
      path: at,
    };
  }

  private async policy(decl: PolicyDecl, at: DocPath): Promise<ResolvedPolicy | undefined> {
    let definition: AnyPolicyDefinition | undefined;
    if (decl.use !== undefined) {
      definition = this.options.policies.get(decl.use);
      if (!definition) this.problems.push({ path: [...at, 'use'], message: `unknown policy '${decl.use}' (built-in: ${[...this.options.policies.keys()].sort().join(', ')}; or give a module path)` });
    } else if (decl.module !== undefined) {
      const file = path.resolve(this.options.baseDir, decl.module);
      try {
        let loading = this.moduleCache.get(file);
        if (!loading) this.moduleCache.set(file, (loading = loadPolicyModule(file)));
        definition = await loading;
      } catch (error) {
        this.problems.push({ path: [...at, 'module'], message: `policy module '${decl.module}': ${(error as Error).message}` });
      }
    }
    if (!definition) return undefined;
    const config = definition.config.safeParse(decl.config);
    if (!config.success) {
      this.addIssues([...at, 'config'], config.error.issues.map((issue) => ({ ...issue, message: `${issue.message} (policy '${definition.name}')` })));
      return undefined;
    }
    return {
      ...(decl.id === undefined ? {} : { id: decl.id }),
      definition,
      config: decl.config,
      cooldownMs: decl.cooldown,
      dryRun: decl.dryRun,
      suspended: decl.suspended,
    };
  }
}

function toSegment(segment: PropertyKey): string | number {
  return typeof segment === 'number' ? segment : String(segment);
}
