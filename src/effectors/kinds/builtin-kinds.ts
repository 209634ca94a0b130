import { EffectorKindRegistry } from './effector-kind.js';
import { execEffectorKind } from './exec.js';
import { httpEffectorKind } from './http.js';

/** A registry holding every built-in effector kind (`http`, `exec`). */
export function builtinEffectorKinds(): EffectorKindRegistry {
  return new EffectorKindRegistry([httpEffectorKind, execEffectorKind]);
}
