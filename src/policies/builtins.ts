import type { AnyPolicyDefinition } from './define-policy.js';
import { autoscaler } from './autoscaler.js';
import { restarter } from './restarter.js';

/** The built-in policies, by the name blueprints use. */
export const BUILTIN_POLICIES: ReadonlyMap<string, AnyPolicyDefinition> = new Map<string, AnyPolicyDefinition>([
  [autoscaler.name, autoscaler],
  [restarter.name, restarter],
]);
