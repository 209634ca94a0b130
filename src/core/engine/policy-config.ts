import { ValidationError } from '../errors.js';
import type { AnyPolicyDefinition } from '../../policies/define-policy.js';

/**
 * A policy's config checked by its schema (an absent config is `{}`).
 * @throws ValidationError naming the policy and each field that failed
 */
export function parsePolicyConfig(id: string, definition: AnyPolicyDefinition, rawConfig: unknown): unknown {
  const parsed = definition.config.safeParse(rawConfig ?? {});
  if (!parsed.success) throw new ValidationError(`config of policy '${id}'`, parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`));
  return parsed.data;
}
