import { z } from 'zod';
import type { EntityType } from '../drivers/entity-type.js';
import type { FeedCommon, FeedKind, FeedKindRegistry } from '../sensors/feeds/feed-kind.js';
import { templateFields } from '../sensors/feeds/template.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';
import { feedDeclSchema, type FeedDecl } from './schema.js';

/** A feed of a registered kind, validated: its common fields, the kind, and the declaration the kind parsed. */
export interface KindFeedSpec extends FeedCommon {
  readonly feedKind: FeedKind;
  readonly decl: FeedCommon;
  /** True when its readings go to the entity's members. */
  readonly fansOut: boolean;
}

/** Any feed of a blueprint: a health check (`tcp:`/`http:` without `kind`) or a feed of a kind. */
export type AnyFeedSpec = FeedDecl | KindFeedSpec;

/** True for feeds of a kind (prometheus, http, exec, or registered). */
export function isKindFeed(feed: AnyFeedSpec): feed is KindFeedSpec {
  return 'feedKind' in feed;
}

/** What feed validation needs from the node. */
export interface FeedValidationContext {
  readonly kinds: FeedKindRegistry;
  readonly rawConfig: Readonly<Record<string, unknown>> | undefined;
  readonly type: EntityType | undefined;
  readonly problem: (problem: PathProblem) => void;
  readonly issues: (at: DocPath, issues: readonly z.core.$ZodIssue[]) => void;
}

/**
 * Validates an entity's `feeds:` item by item: a health check, or a feed whose `kind` names a registered
 * kind, parsed by that kind's schema, with every template checked against the fields the entity has.
 */
export function validateFeeds(raw: unknown, at: DocPath, context: FeedValidationContext): Array<AnyFeedSpec | undefined> {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    context.problem({ path: at, message: 'expected a list' });
    return [];
  }
  return raw.map((item: unknown, i) => {
    const here = [...at, i];
    if (typeof item !== 'object' || item === null || !('kind' in item)) {
      const parsed = feedDeclSchema.safeParse(item);
      if (parsed.success) return parsed.data;
      context.issues(here, parsed.error.issues);
      return undefined;
    }
    const name = (item as { kind: unknown }).kind;
    const kind = typeof name === 'string' ? context.kinds.get(name) : undefined;
    if (typeof name !== 'string') {
      context.problem({ path: [...here, 'kind'], message: `kind: a feed kind is a name (one of ${context.kinds.names().join(', ')}), not ${describeNonName(name)}` });
      return undefined;
    }
    if (!kind) {
      context.problem({ path: [...here, 'kind'], message: `unknown feed kind '${name}' (known: ${context.kinds.names().join(', ')})` });
      return undefined;
    }
    const parsed = kind.schema.safeParse(item);
    if (!parsed.success) {
      context.issues(here, parsed.error.issues);
      return undefined;
    }
    const decl = parsed.data;
    let good = true;
    for (const template of kind.templates?.(decl) ?? []) {
      const problem = templateProblem(template.text, template.perMember ?? false, context);
      if (problem) {
        good = false;
        context.problem({ path: [...here, ...template.path], message: problem });
      }
    }
    if (!good) return undefined;
    const { kind: kindName, sensor, every, timeout, jitter, maxBackoff, staleAfter } = decl;
    return { kind: kindName, sensor, every, timeout, jitter, maxBackoff, ...(staleAfter === undefined ? {} : { staleAfter }), feedKind: kind, decl, fansOut: kind.fansOut?.(decl) ?? false };
  });
}

/** Why a template cannot be rendered for this entity, or undefined when it can. */
function templateProblem(text: string, perMember: boolean, context: FeedValidationContext): string | undefined {
  let fields: string[];
  try {
    fields = templateFields(text);
  } catch (error) {
    return (error as Error).message;
  }
  const known = configKeys(context);
  for (const field of fields) {
    const [root, second] = field.split('.');
    if (field === 'id' || field === 'type' || field === 'parent.id') continue;
    if (root === 'config' && second !== undefined) {
      if (known === undefined || known.has(second)) continue;
      return `template field '${field}': the entity's config has no '${second}' (it has: ${[...known].sort().join(', ') || 'nothing'})`;
    }
    if (root === 'member' && perMember && (field === 'member.id' || field === 'member.type' || (second === 'config' && field.split('.').length > 2))) continue;
    return `unknown template field '${field}' (known: id, type, parent.id, config.<key>${perMember ? ', member.id, member.type, member.config.<key>' : ''})`;
  }
  return undefined;
}

/** Config keys an entity can have: those written, plus the type's schema keys; undefined when unknowable. */
function configKeys(context: FeedValidationContext): Set<string> | undefined {
  const keys = new Set(Object.keys(context.rawConfig ?? {}));
  const schema = context.type?.config;
  if (schema instanceof z.ZodObject) for (const key of Object.keys(schema.shape)) keys.add(key);
  return keys;
}

/** What a `kind` that is not a string is, for a problem: 'a mapping', 'a list', or the value itself (5, true, null). */
function describeNonName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value !== null && typeof value === 'object') return 'a mapping';
  return String(value);
}
