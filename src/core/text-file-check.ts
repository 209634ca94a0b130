import { readFile, stat } from 'node:fs/promises';

/** The most text a file read whole as a string can hold: V8's longest string (about 512 Mi characters). */
export const MAX_TEXT_FILE_BYTES = 512 * 1024 * 1024;

/**
 * Why a file cannot be read whole as text, told before reading it: a device (`/dev/zero` was read until V8's
 * string limit, 0.7 GB later, and then refused as "Invalid string length"), a directory, or a regular file
 * past `maxBytes`. A pipe (`<(generate)`) is read as it comes. Undefined when the file can be read, or when
 * the stat fails (the read then says why).
 */
export async function textFileProblem(file: string, maxBytes = MAX_TEXT_FILE_BYTES): Promise<string | undefined> {
  const found = await stat(file).catch(() => undefined);
  if (found === undefined) return undefined;
  if (found.isDirectory()) return 'it is a directory, not a file';
  if (found.isCharacterDevice() || found.isBlockDevice() || found.isSocket()) return `it is a ${found.isSocket() ? 'socket' : 'device'}, not a file`;
  if (found.isFile() && found.size > maxBytes) return `it is ${mebibytes(found.size)} MiB, more than the ${mebibytes(maxBytes)} MiB of text it may be`;
  return undefined;
}

/**
 * The whole of `file` as UTF-8 text, after `textFileProblem` found nothing against it.
 * @throws Error whose message says in words why it cannot be read (`it is a device, not a file`, `no such file`)
 */
export async function readTextFile(file: string): Promise<string> {
  const problem = await textFileProblem(file);
  if (problem !== undefined) throw new Error(problem);
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(readFailure(error), { cause: error });
  }
}

/** What a read that ran past V8's longest string failed with, in words; `error`'s own message otherwise. */
export function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'ERR_STRING_TOO_LONG' || (error instanceof RangeError && /string length/i.test(error.message))) return `it holds more than the ${mebibytes(MAX_TEXT_FILE_BYTES)} MiB of text it may be`;
  return (error as Error).message;
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toLocaleString('en-US', { maximumFractionDigits: 1 });
}
