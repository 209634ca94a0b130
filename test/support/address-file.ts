import { readFileSync } from 'node:fs';

/**
 * The text of a group's address file, empty before its first write: the group publishes `primary.address`
 * first and writes the file a moment later, so a test that waits on both may read before the file exists.
 */
export function addressFileText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
