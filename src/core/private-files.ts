import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';

/** The group's and others' write permission bits. */
const WRITABLE_BY_OTHERS = 0o022;

/**
 * Whether only `uid` can change what `stats` describe: `uid` owns it and neither its group nor others may
 * write to it. Without user ids (Windows) there is nothing to compare, and the answer is yes.
 */
function onlyChangeableBy(stats: Stats, uid: number | undefined): boolean {
  if (uid === undefined) return true;
  return stats.uid === uid && (stats.mode & WRITABLE_BY_OTHERS) === 0;
}

/**
 * Whether `dir` is a directory only `uid` can add files to or replace files in (see onlyChangeableBy): a
 * cache kept in one that someone else can write to could be planted by them.
 * @param uid the user who must own it; default the current user (process.getuid)
 */
export function isPrivateDirectory(dir: string, uid: number | undefined = process.getuid?.()): boolean {
  try {
    const stats = statSync(dir);
    return stats.isDirectory() && onlyChangeableBy(stats, uid);
  } catch {
    return false;
  }
}

/**
 * Whether `file` is a regular file only `uid` can change (see onlyChangeableBy), followed through links: what
 * a private directory holds, checked before it is loaded by path (an import), where it cannot be read first.
 * @param uid the user who must own it; default the current user (process.getuid)
 */
export function isPrivateFile(file: string, uid: number | undefined = process.getuid?.()): boolean {
  try {
    const stats = statSync(file);
    return stats.isFile() && onlyChangeableBy(stats, uid);
  } catch {
    return false;
  }
}

/**
 * The content of `file` when it is a regular file only `uid` can change (checked on the file as opened, so
 * that a file swapped in after a check is not read), else undefined; undefined too when it cannot be read.
 * @param uid the user who must own it; default the current user (process.getuid)
 */
export function readPrivateFile(file: string, uid: number | undefined = process.getuid?.()): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stats = fstatSync(fd);
    if (!stats.isFile() || !onlyChangeableBy(stats, uid)) return undefined;
    const content = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < content.length) {
      const read = readSync(fd, content, filled, content.length - filled, filled);
      if (read === 0) return content.subarray(0, filled); // shortened while being read: the digest refuses it
      filled += read;
    }
    return content;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // nothing was written through it: nothing is lost
  }
}
