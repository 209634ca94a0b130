import { readFile, stat } from 'node:fs/promises';

/** The most text a file read whole as a string can hold: V8's longest string (about 512 Mi characters). */
export const MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024;

/** How a text file may be read: at most `maxBytes`, and whether a pipe is read as it comes. */
export interface TextFileLimits {
  /** The largest file taken (default and most: `MAX_TEXT_FILE_BYTES`). */
  readonly maxBytes?: number;
  /**
   * Whether a FIFO is read (default true: `validate <(generate)`). A reader that polls a file on a timer says
   * false: opening a FIFO nobody writes blocks a thread of Node's pool until a writer comes, and no abort
   * frees it.
   */
  readonly pipes?: boolean;
  /** Aborts the read (not an open that blocks: see `pipes`). */
  readonly signal?: AbortSignal;
}

/**
 * Why a file cannot be read whole as text, told before reading it: a device (`/dev/zero` was read until V8's
 * string limit, 0.7 GB later, and then refused as "Invalid string length"), a directory, a regular file past
 * `maxBytes`, or a FIFO when `pipes` is false. A pipe (`<(generate)`) is otherwise read as it comes. Undefined
 * when the file can be read, or when the stat fails (the read then says why).
 */
export async function textFileProblem(file: string, limits: TextFileLimits = {}): Promise<string | undefined> {
  const { maxBytes = MAX_TEXT_FILE_BYTES, pipes = true } = limits;
  const found = await stat(file).catch(() => undefined);
  if (found === undefined) return undefined;
  if (found.isDirectory()) return 'it is a directory, not a file';
  if (found.isCharacterDevice() || found.isBlockDevice() || found.isSocket()) return `it is a ${found.isSocket() ? 'socket' : 'device'}, not a file`;
  if (found.isFIFO() && !pipes) return 'it is a FIFO (a named pipe), not a file: opening it would wait for a writer';
  if (found.isFile() && found.size > maxBytes) return `it is ${mebibytes(found.size)} MiB, more than the ${mebibytes(maxBytes)} MiB of text it may be`;
  return undefined;
}

/**
 * The whole of `file` as UTF-8 text, after `textFileProblem` found nothing against it.
 * @throws Error whose message says in words why it cannot be read (`it is a device, not a file`, `no such file`)
 */
export async function readTextFile(file: string, limits: TextFileLimits = {}): Promise<string> {
  const problem = await textFileProblem(file, limits);
  if (problem !== undefined) throw new Error(problem);
  try {
    return await readFile(file, { encoding: 'utf8', signal: limits.signal });
  } catch (error) {
    if (limits.signal?.aborted) throw error;
    throw new Error(readFailure(error, limits.maxBytes), { cause: error });
  }
}

/** What a read that ran past V8's longest string (or `maxBytes`) failed with, in words; `error`'s own message otherwise. */
export function readFailure(error: unknown, maxBytes = MAX_TEXT_FILE_BYTES): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ERR_STRING_TOO_LONG' || (error instanceof RangeError && /string length/i.test(error.message))) return `it holds more than the ${mebibytes(maxBytes)} MiB of text it may be`;
  return (error as Error).message;
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 });
}
