import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Checks, before a simulation runs, that `simulate --chart <file>` can write its chart there: the directory
 * exists and is writable, and the file is not a directory. A run of minutes must not end in an error that
 * could have been told at once.
 * @returns the problem, naming the flag and the path; undefined when the chart can be written
 */
export async function chartDestinationProblem(file: string): Promise<string | undefined> {
  const where = `--chart '${file}'`;
  const target = await stat(file).catch(() => undefined);
  if (target?.isDirectory()) return `${where}: is a directory; give a file name, e.g. ${path.join(file, 'chart.svg')}`;
  const directory = path.dirname(path.resolve(file));
  const parent = await stat(directory).catch(() => undefined);
  if (!parent) return `${where}: no such directory '${directory}'`;
  if (!parent.isDirectory()) return `${where}: '${directory}' is not a directory`;
  const writable = await access(target ? file : directory, constants.W_OK).then(
    () => true,
    () => false,
  );
  return writable ? undefined : `${where}: cannot write ${target ? 'the file' : `in '${directory}'`} (permission denied)`;
}

/** What writing the chart failed with, naming the flag and the path. */
export function chartWriteError(file: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return `--chart '${file}': cannot write the chart: ${code ?? (error as Error).message}${code ? ` (${(error as Error).message})` : ''}`;
}
