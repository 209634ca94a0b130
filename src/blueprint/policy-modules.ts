import { pathToFileURL } from 'node:url';
import { describeError } from '../core/errors.js';
import type { AnyPolicyDefinition } from '../policies/define-policy.js';

/**
 * Loads a policy module (its default export, a `definePolicy` value). TypeScript modules load at run time:
 * natively when a TypeScript loader is active (vitest, a dev checkout), otherwise through tsx's loader API
 * when tsx (an optional peer dependency) is installed.
 * @throws Error with a one-line message when the file cannot be loaded or exports no policy
 */
export async function loadPolicyModule(absolutePath: string): Promise<AnyPolicyDefinition> {
  const url = pathToFileURL(absolutePath).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if (codeOf(error) === 'ERR_MODULE_NOT_FOUND' && describeError(error).includes(absolutePath)) throw new Error(`no such file ${absolutePath}`);
    if (codeOf(error) !== 'ERR_UNKNOWN_FILE_EXTENSION') throw new Error(`cannot load policy module: ${firstLine(describeError(error))}`);
    let tsx: typeof import('tsx/esm/api');
    try {
      tsx = await import('tsx/esm/api');
    } catch {
      // tsx is an optional peer dependency: embedders that only load .js modules do not carry it
      throw new Error('install tsx to load TypeScript policy modules (npm install --save-dev tsx), or compile the module to .js');
    }
    try {
      mod = (await tsx.tsImport(url, import.meta.url)) as Record<string, unknown>;
    } catch (inner) {
      throw new Error(`cannot load policy module: ${firstLine(describeError(inner))}`);
    }
  }
  const candidate = mod['default'];
  if (!isPolicyDefinition(candidate)) {
    throw new Error('the module has no default export made with definePolicy({ name, config, monitor, analyze, plan })');
  }
  return candidate;
}

/** True when a value has the shape `definePolicy` returns. */
export function isPolicyDefinition(value: unknown): value is AnyPolicyDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const config = v['config'] as { safeParse?: unknown } | undefined;
  return typeof v['name'] === 'string' && typeof config?.safeParse === 'function' && ['monitor', 'analyze', 'plan'].every((k) => typeof v[k] === 'function');
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
