import type { z } from 'zod';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';
import { describeError } from '../core/errors.js';

/** A policy's config as its schema gives it, or why there is none: the schema's issues, or what it threw. */
export type ParsedConfig = { readonly data: unknown } | { readonly issues: readonly z.core.$ZodIssue[] } | { readonly problem: string };

/**
 * Parses a policy's config with its schema, which is user code when the policy comes from a module: a
 * transform or refine that throws is a problem at the policy (`its config schema threw: ...`), not an error
 * that ends validation at line 1 naming nothing. A config the schema refuses gives its `issues` (reported
 * where the policy's config is checked first; the later checks skip the policy).
 */
export function parsePolicyConfigSafely(definition: AnyPolicyDefinition, config: unknown): ParsedConfig {
  try {
    const parsed = definition.config.safeParse(config);
    return parsed.success ? { data: parsed.data } : { issues: parsed.error.issues };
  } catch (error) {
    return { problem: `policy '${definition.name}': its config schema threw: ${describeError(error)}` };
  }
}

/**
 * What a hook of a policy's definition (`requires`, `requiresEntities`, `requiresEffectors`) gives for a
 * config, or the problem to report at the policy when it throws (user code in a module).
 */
export function callPolicyHook<T>(definition: AnyPolicyDefinition, hook: string, call: () => T): { readonly value: T } | { readonly problem: string } {
  try {
    return { value: call() };
  } catch (error) {
    return { problem: `policy '${definition.name}': ${hook} threw: ${describeError(error)}` };
  }
}
