import { ValidationError } from '../errors.js';
import type { AnyPolicyDefinition } from '../../policies/define-policy.js';
import { knownKeysAt, unknownDroppedKeys, unknownKeyMessage } from '../../blueprint/key-suggestions.js';

/**
 * A policy's config checked by its schema (an absent config is `{}`). A key the schema's parse dropped (a
 * module's `z.object` drops what it does not know) is an error too: a misspelt key would otherwise leave the
 * policy on its default without a word.
 * @throws ValidationError naming the policy and each field that failed, or each key the schema does not know
 */
export function parsePolicyConfig(id: string, definition: AnyPolicyDefinition, rawConfig: unknown): unknown {
  const parsed = definition.config.safeParse(rawConfig ?? {});
  if (!parsed.success) throw new ValidationError(`config of policy '${id}'`, parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`));
  const dropped = unknownDroppedKeys(definition.config, rawConfig ?? {}, parsed.data);
  if (dropped.length > 0) throw new ValidationError(`config of policy '${id}'`, dropped.map(({ path, key }) => `${[...path, key].join('.')}: ${unknownKeyMessage(key, knownKeysAt(definition.config, path))}`));
  return parsed.data;
}
