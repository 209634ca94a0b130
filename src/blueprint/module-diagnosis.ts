import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { describeError } from '../core/errors.js';
import { dynamicImport } from '../core/dynamic-import.js';

/** A place in a source file, 1-based. */
export interface SourcePosition {
  readonly line: number;
  readonly col: number;
}

/** One syntax problem of a module: where and what. */
export interface SyntaxProblem extends SourcePosition {
  readonly message: string;
}

/** The esbuild surface used here (it comes with tsx, which loads TypeScript modules). */
interface Transformer {
  transform(source: string, options: { loader: string; format: 'esm'; sourcefile: string; logLevel: 'silent' }): Promise<unknown>;
}

interface EsbuildMessage {
  readonly text: string;
  readonly location?: { readonly line: number; readonly column: number; readonly lineText: string } | null;
}

function loaderFor(file: string): string {
  const ts = /\.[cm]?tsx?$/.test(file);
  const jsx = file.endsWith('x');
  return ts ? (jsx ? 'tsx' : 'ts') : jsx ? 'jsx' : 'js';
}

/**
 * Parses a module's source to find its first syntax error, with line and column: Node's own SyntaxError
 * for an ES module carries no position, and loaders word theirs differently. Uses esbuild when it is
 * installed (it comes with tsx); returns undefined when the source parses or cannot be checked.
 */
export async function findSyntaxError(file: string): Promise<SyntaxProblem | undefined> {
  let source: string;
  let esbuild: Transformer;
  try {
    source = await readFile(file, 'utf8');
    esbuild = await dynamicImport<Transformer>('esbuild');
  } catch {
    return undefined;
  }
  try {
    await esbuild.transform(source, { loader: loaderFor(file), format: 'esm', sourcefile: file, logLevel: 'silent' });
    return undefined;
  } catch (error) {
    const first = (error as { errors?: readonly EsbuildMessage[] }).errors?.[0];
    if (!first?.location) return undefined;
    // esbuild counts columns in UTF-8 bytes; editors count characters
    const { line, column, lineText } = first.location;
    const col = Buffer.from(lineText, 'utf8').subarray(0, column).toString('utf8').length + 1;
    return { line, col, message: first.text };
  }
}

/** Where in `file` an error was thrown, from its stack (source-mapped by the TypeScript loader). */
export function thrownAt(error: unknown, file: string): SourcePosition | undefined {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  for (const name of [pathToFileURL(file).href, file]) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
    if (match) return { line: Number(match[1]), col: Number(match[2]) };
  }
  return undefined;
}

/** The informative line of a loader's error (esbuild puts it after "Transform failed with 1 error:" or "Build failed with 1 error:"). */
export function errorSummary(error: unknown): string {
  const lines = describeError(error).split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const first = lines[0] ?? 'unknown error';
  return /^(Transform|Build) failed with \d+ errors?:?$/.test(first) && lines[1] ? lines[1] : first;
}

/** What a module's default export is, for a message: `no default export`, `a string`, `an object without 'plan'`. */
export function describeExport(mod: Readonly<Record<string, unknown>>): string {
  const value = mod['default'];
  if (value === undefined) {
    const names = Object.keys(mod).filter((k) => k !== 'default');
    return names.length > 0 ? `no default export (it exports ${names.map((n) => `'${n}'`).join(', ')}; write \`export default definePolicy(...)\`)` : 'no default export';
  }
  if (value === null || typeof value !== 'object') return `a default export that is ${value === null ? 'null' : `a ${typeof value}`}`;
  if (typeof (value as { then?: unknown }).then === 'function') return 'a default export that is a Promise (export the policy itself: `export default definePolicy(...)`; a module may await at its top level first)';
  const v = value as Record<string, unknown>;
  const missing = ['name', 'config', 'monitor', 'analyze', 'plan'].filter((k) => (k === 'name' ? typeof v[k] !== 'string' : k === 'config' ? typeof (v[k] as { safeParse?: unknown } | undefined)?.safeParse !== 'function' : typeof v[k] !== 'function'));
  return `a default export without ${missing.map((k) => `'${k}'`).join(', ')}`;
}
