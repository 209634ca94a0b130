import { knownKeysAt, unknownDroppedKeys, unknownKeyMessage } from '../blueprint/key-suggestions.js';

/**
 * The keys of an invocation's `raw` params that the effector's schema dropped as unknown when it parsed them
 * (into `parsed`), each as `verison: unknown key 'verison' (did you mean 'version'?)`. A `z.object` schema drops
 * a key it does not know without a word: `rollingUpdate {"verison": "2"}` would run on the default version, and
 * the person or policy that asked would never know. A schema that keeps other keys (`z.looseObject`, a record)
 * drops none, and is never named here.
 */
export function unknownParamProblems(schema: unknown, raw: unknown, parsed: unknown): string[] {
  return unknownDroppedKeys(schema, raw, parsed).map(({ path, key }) => `${[...path, key].join('.')}: ${unknownKeyMessage(key, knownKeysAt(schema, path))}`);
}

/**
 * What is wrong with an invocation's `raw` params, given the effector schema's parse of them: each issue of a
 * failed parse (`size: expected number`), else each key it dropped as unknown; empty when the params are fine.
 */
export function paramProblems(schema: unknown, raw: unknown, parsed: { success: true; data: unknown } | { success: false; error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> } }): string[] {
  if (parsed.success) return unknownParamProblems(schema, raw, parsed.data);
  return parsed.error.issues.map((i) => `${i.path.join('.') || 'params'}: ${i.message}`);
}
