// A path to a private directory may pass through a sticky directory (/tmp), where an entry is its owner's
// alone: a link there owned by someone else can be pointed elsewhere by them at any time.
import { chmod, chown, lchown, mkdir, mkdtemp, rm, symlink, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPrivateDirectory } from '../../src/core/private-files.js';

const asRoot = process.getuid?.() === 0;
const victim = 4300;
const other = 4301;
let sticky: string;

beforeEach(async () => {
  sticky = await mkdtemp(path.join(tmpdir(), 'homeostat-sticky-'));
  await chmod(sticky, 0o1777);
});
afterEach(async () => {
  await rm(sticky, { recursive: true, force: true });
});

describe.runIf(asRoot)('a path through a link in a sticky directory', () => {
  it('is not private when the link is another user\'s (they can point it at a tree of theirs after the check)', async () => {
    const real = path.join(sticky, 'project');
    const cache = path.join(real, 'cache');
    await mkdir(cache, { recursive: true });
    await chown(real, victim, victim);
    await chown(cache, victim, victim);
    const link = path.join(sticky, 'link');
    await symlink(real, link);
    await lchown(link, other, other);
    expect(isPrivateDirectory(path.join(real, 'cache'), victim)).toBe(true);
    // the same directory through the other user's link: they may swap the link whenever they like
    const through = path.join(link, 'cache');
    const verdict = isPrivateDirectory(through, victim);
    // what they can do after the check: point the link at a cache of theirs
    const theirs = path.join(sticky, 'theirs', 'cache');
    await mkdir(theirs, { recursive: true });
    await unlink(link);
    await symlink(path.dirname(theirs), link);
    await lchown(link, other, other);
    await chown(path.dirname(theirs), other, other);
    expect(isPrivateDirectory(through, victim)).toBe(false); // now refused, but a file already checked is imported by path
    expect(verdict).toBe(false);
  });

  it('is not private under a sticky directory that another user owns (its owner may rename or remove any entry)', async () => {
    await chown(sticky, other, other);
    const cache = path.join(sticky, 'project', 'cache');
    await mkdir(cache, { recursive: true });
    await chown(path.dirname(cache), victim, victim);
    await chown(cache, victim, victim);
    expect(isPrivateDirectory(cache, victim)).toBe(false);
  });
});
