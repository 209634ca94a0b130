import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import path from 'node:path';

/** Others' write permission bit. */
const WRITABLE_BY_OTHERS = 0o002;
/** The group's write permission bit. */
const WRITABLE_BY_GROUP = 0o020;
/** The sticky bit: in such a directory only an entry's owner may rename or remove it (/tmp). */
const STICKY = 0o1000;

/** The user the process acts as (files it makes are theirs): the effective user id; undefined without ids (Windows). */
function currentUser(): number | undefined {
  return process.geteuid?.();
}

/**
 * Whether only `uid` (or root, who can change anything anyway) can change what `stats` describe: one of them
 * owns it, others may not write to it, and its group may not unless that is the process's own group (a
 * user-private group, where a umask of 002 makes every directory group-writable). Without user ids (Windows)
 * there is nothing to compare, and the answer is yes.
 */
function onlyChangeableBy(stats: Stats, uid: number | undefined): boolean {
  if (uid === undefined) return true;
  if (!ownedBy(stats, uid) || (stats.mode & WRITABLE_BY_OTHERS) !== 0) return false;
  return (stats.mode & WRITABLE_BY_GROUP) === 0 || stats.gid === process.getegid?.();
}

/** Whether `uid` or root owns what `stats` describe. */
function ownedBy(stats: Stats, uid: number): boolean {
  return stats.uid === uid || stats.uid === 0;
}

/**
 * Whether nobody but `uid` (or root) can rename, replace or remove the entries of the directory `stats`
 * describe, which the path to something private passes through: `uid` or root owns it, and others cannot
 * write to it or it is sticky (as /tmp, where an entry is its owner's alone, and the directory's owner's).
 */
function safeToPassThrough(stats: Stats, uid: number): boolean {
  if (!stats.isDirectory() || !ownedBy(stats, uid)) return false;
  return (stats.mode & STICKY) !== 0 || onlyChangeableBy(stats, uid);
}

/**
 * Whether every step of the path to `target`, as given and as it resolves, is safe: each directory above it
 * safe to pass through, and each link on the way owned by `uid` or root (a link's owner can point it elsewhere
 * at any time; its directory is checked as a step). Steps are looked at themselves, not through links.
 */
function pathSafe(target: string, uid: number): boolean {
  // as given and as it resolves: the same path (walked once) unless a link is on the way
  for (const start of new Set([path.resolve(target), realpathSync(target)])) {
    const steps: string[] = [];
    for (let at = start; path.dirname(at) !== at; at = path.dirname(at)) steps.push(at);
    steps.push(path.parse(start).root);
    for (const step of steps.slice(1)) {
      const stats = lstatSync(step);
      if (stats.isSymbolicLink() ? !ownedBy(stats, uid) : !safeToPassThrough(stats, uid)) return false;
    }
  }
  return true;
}

/**
 * Whether `dir` is a directory only `uid` (or root) can add files to or replace files in (see onlyChangeableBy),
 * itself and not a link to one, on a path nobody else can change (no directory above it that others could
 * rename it out of and put another in its place): a cache kept anywhere else could be planted.
 * @param uid the user who must own it; default the user the process acts as (its effective id)
 */
export function isPrivateDirectory(dir: string, uid: number | undefined = currentUser()): boolean {
  try {
    const stats = lstatSync(dir);
    if (!stats.isDirectory() || !onlyChangeableBy(stats, uid)) return false;
    return uid === undefined || pathSafe(dir, uid);
  } catch {
    return false;
  }
}

/**
 * Whether `file` is a regular file, itself and not a link, only `uid` (or root) can change: what a private
 * directory holds, checked before it is loaded by path (an import), where it cannot be read first.
 * @param uid the user who must own it; default the user the process acts as (its effective id)
 */
export function isPrivateFile(file: string, uid: number | undefined = currentUser()): boolean {
  try {
    const stats = lstatSync(file);
    return stats.isFile() && onlyChangeableBy(stats, uid);
  } catch {
    return false;
  }
}

/**
 * The content of `file` when it is a regular file only `uid` (or root) can change (checked on the file as
 * opened, not through a link, and without waiting on a pipe put in its place, so that a file swapped in after
 * a check is not read), else undefined; undefined too when it cannot be read.
 * @param uid the user who must own it; default the user the process acts as (its effective id)
 */
export function readPrivateFile(file: string, uid: number | undefined = currentUser()): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
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
