import path from 'node:path';

/** One message of a failed esbuild build. */
interface BuildMessage {
  readonly text: string;
  readonly location?: { readonly file: string; readonly line: number; readonly column: number; readonly lineText: string } | null;
}

/**
 * What stopped the command from compiling a TypeScript module, from esbuild's failure: the first problem with
 * its file (absolute), line and column, e.g. `Could not resolve "./rules.js" (at /p/guard.ts:2:23)`; undefined
 * when `error` is not such a failure.
 */
export function compileProblem(error: unknown): string | undefined {
  const first = (error as { errors?: readonly BuildMessage[] } | undefined)?.errors?.[0];
  if (typeof first?.text !== 'string') return undefined;
  if (!first.location) return first.text;
  // esbuild names files relative to its working directory and counts columns in UTF-8 bytes from 0
  const { file, line, column, lineText } = first.location;
  const col = Buffer.from(lineText, 'utf8').subarray(0, column).toString('utf8').length + 1;
  return `${first.text} (at ${path.resolve(file)}:${line}:${col})`;
}
