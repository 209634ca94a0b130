import { z } from 'zod';
import { durationSchema, intervalSchema } from '../core/duration.js';
import { defineEffector, type AnyEffectorDefinition } from '../effectors/define-effector.js';
import type { EffectorKindRegistry } from '../effectors/kinds/effector-kind.js';
import { paramDeclSchema, paramsDeclSchema, paramsProblems, paramsToZod, type ParamsDecl } from '../effectors/kinds/param-schema.js';
import { lookup } from '../effectors/kinds/template.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';

/** The fields every effector declaration has, whatever its kind. */
export const effectorDeclCommonSchema = z.object({
  name: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_.-]*$/, "an effector name starts with a letter and holds letters, digits, '.', '_' or '-'"),
  kind: z.string().min(1),
  description: z.string().optional(),
  params: paramsDeclSchema,
  /** Retried on failure only when true. */
  idempotent: z.boolean().default(false),
  /** Time allowed per attempt. Default 30 s. */
  timeout: intervalSchema.default(30_000),
  retry: z.strictObject({ attempts: z.number().int().min(1).max(20).default(3), delay: durationSchema.default(200), maxDelay: durationSchema.default(10_000) }).optional(),
});
const COMMON_KEYS = new Set(Object.keys(effectorDeclCommonSchema.shape));

/** What resolving declarations needs from the node being validated. */
export interface EffectorDeclContext {
  readonly kinds: EffectorKindRegistry;
  /** The entity's config as written (templates may name `config.*`). */
  readonly config: Readonly<Record<string, unknown>> | undefined;
  /** Effector names the entity's type or every entity already has. */
  readonly reserved: ReadonlySet<string>;
  readonly addIssues: (at: DocPath, issues: readonly z.core.$ZodIssue[]) => void;
  readonly problems: PathProblem[];
}

/**
 * Validates an entity's `effectors:` and builds each declared effector. Every problem is reported at its
 * place: unknown kinds, the kind's own fields, params, templates naming unknown params, clashing names.
 */
export function resolveEffectorDecls(raw: unknown, at: DocPath, context: EffectorDeclContext): AnyEffectorDefinition[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    context.problems.push({ path: at, message: 'expected a list of effector declarations' });
    return [];
  }
  const names = new Set<string>();
  const definitions: AnyEffectorDefinition[] = [];
  raw.forEach((item: unknown, i) => {
    const here = [...at, i];
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      context.problems.push({ path: here, message: "an effector declaration is a mapping with 'name' and 'kind'" });
      return;
    }
    const fields = item as Record<string, unknown>;
    const common = effectorDeclCommonSchema.safeParse(fields);
    if (!common.success) {
      context.addIssues(here, common.error.issues);
      // bounds of the params that did parse are still worth checking
      for (const p of paramsProblems(parsableParams(fields['params']))) context.problems.push({ path: [...here, 'params', ...p.path], message: p.message });
    }
    const kindName = typeof fields['kind'] === 'string' ? fields['kind'] : undefined;
    const kind = kindName === undefined ? undefined : context.kinds.get(kindName);
    if (kindName !== undefined && !kind) context.problems.push({ path: [...here, 'kind'], message: `unknown effector kind '${kindName}' (known: ${context.kinds.names().join(', ')})` });
    const own = Object.fromEntries(Object.entries(fields).filter(([key]) => !COMMON_KEYS.has(key)));
    const parsed = kind?.fields.safeParse(own);
    if (parsed && !parsed.success) context.addIssues(here, parsed.error.issues);
    if (!common.success) return;
    const decl = common.data;
    if (names.has(decl.name)) context.problems.push({ path: [...here, 'name'], message: `effector '${decl.name}' is declared twice on this entity` });
    else if (context.reserved.has(decl.name)) context.problems.push({ path: [...here, 'name'], message: `effector '${decl.name}' is already an effector of this entity's type` });
    names.add(decl.name);
    for (const p of paramsProblems(decl.params)) context.problems.push({ path: [...here, 'params', ...p.path], message: p.message });
    if (!kind || !parsed?.success) return;
    const known = (ref: string): string | undefined => knownRef(ref, decl.params, context.config);
    const kindProblems = kind.check?.(parsed.data, { params: decl.params, known }) ?? [];
    for (const p of kindProblems) context.problems.push({ path: [...here, ...p.path], message: p.message });
    if (kindProblems.length > 0) return;
    definitions.push(
      defineEffector({
        name: decl.name,
        ...(decl.description === undefined ? {} : { description: decl.description }),
        params: paramsToZod(decl.params),
        idempotent: decl.idempotent,
        timeoutMs: decl.timeout,
        ...(decl.retry === undefined ? {} : { retry: { maxAttempts: decl.retry.attempts, initialDelayMs: decl.retry.delay, maxDelayMs: decl.retry.maxDelay } }),
        run: kind.create(parsed.data, { name: decl.name, idempotent: decl.idempotent, timeoutMs: decl.timeout }),
      }),
    );
  });
  return definitions;
}

/** Whether a template name resolves: a declared param, the entity id, or a key of its config. */
function knownRef(ref: string, params: ParamsDecl, config: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const [root, ...rest] = ref.split('.');
  if (root === 'params') {
    const name = rest.join('.');
    if (rest.length === 1 && Object.hasOwn(params, name)) return undefined;
    const declared = Object.keys(params);
    return `template names '{{${ref}}}', but the effector declares no param '${name}' (${declared.length > 0 ? `declared: ${declared.join(', ')}` : 'it declares no params'})`;
  }
  if (root === 'id' && rest.length === 0) return undefined;
  if (root === 'config' && rest.length > 0) return lookup(config ?? {}, rest.join('.')) === undefined ? `template names '{{${ref}}}', but the entity's config has no '${rest.join('.')}'` : undefined;
  return `template names '{{${ref}}}': a template may use {{params.NAME}}, {{id}} or {{config.KEY}}`;
}

/** The params of a declaration that parse on their own (the rest are reported by the common schema). */
function parsableParams(raw: unknown): ParamsDecl {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  return Object.fromEntries(Object.entries(raw).flatMap(([name, value]) => {
    const parsed = paramDeclSchema.safeParse(value);
    return parsed.success ? [[name, parsed.data]] : [];
  }));
}
