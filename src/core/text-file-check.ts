import { readFile, stat } from 'node:fs/promises';
import { Utf8Error, decodeUtf8 } from './utf8-text.js';

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
  /**
   * Whether bytes that are not UTF-8 are refused (`NotUtf8FileError`, saying where) rather than read as U+FFFD.
   * Default false: text from another system (a scanner's report) is read as it is. What a person wrote and the
   * loop acts on (a blueprint, a trace, a token) says true: a byte turned into U+FFFD changes it without a word.
   */
  readonly strictUtf8?: boolean;
}

/** A file read with `strictUtf8` holds bytes that are not UTF-8: where (byte, line and column) and what. */
export class NotUtf8FileError extends Error {
  constructor(
    /** 1-based line and column (in characters before it on its line) of the first byte that is not UTF-8. */
    readonly line: number,
    readonly col: number,
    readonly offset: number,
    problem: string,
  ) {
    super(`it is not UTF-8 text: at line ${line}, column ${col} (byte ${offset}), ${problem}`);
    this.name = 'NotUtf8FileError';
  }
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
  let bytes: Buffer;
  try {
    if (!limits.strictUtf8) return await readFile(file, { encoding: 'utf8', signal: limits.signal });
    bytes = await readFile(file, { signal: limits.signal });
  } catch (error) {
    if (limits.signal?.aborted) throw error;
    throw new Error(readFailure(error, limits.maxBytes), { cause: error });
  }
  try {
    return decodeUtf8(bytes);
  } catch (error) {
    if (!(error instanceof Utf8Error)) throw new Error(readFailure(error, limits.maxBytes), { cause: error });
    const { line, col } = positionOf(bytes, error.offset);
    throw new NotUtf8FileError(line, col, error.offset, error.problem);
  }
}

/** The 1-based line and column of byte `offset` (columns count the characters before it on its line, which are UTF-8). */
function positionOf(bytes: Buffer, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = bytes.indexOf(10); i !== -1 && i < offset; i = bytes.indexOf(10, i + 1)) {
    line += 1;
    lineStart = i + 1;
  }
  return { line, col: bytes.subarray(lineStart, offset).toString('utf8').length + 1 };
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
