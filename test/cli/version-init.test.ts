import { mkdtemp, readFile, readdir, rm, writeFile, mkdir, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { main } from '../../src/cli/main.js';
import { STARTER_FILES, initCommand, starterName } from '../../src/cli/init-command.js';
import { STARTER_POLICY } from '../../src/cli/init-templates.js';

const root = path.resolve(import.meta.dirname, '../..');

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l: string) => void out.push(l), err: (l: string) => void err.push(l) }, out, err };
}

describe('homeostat --version', () => {
  it('prints the version of package.json and exits 0', async () => {
    const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { io, out } = capture();
      expect(await main(['node', 'homeostat', flag], io)).toBe(0);
      expect(out).toEqual([pkg.version]);
    }
  });
});

describe('homeostat init', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'homeostat-init-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the starter into a new directory, named after it', async () => {
    const target = path.join(dir, 'My Loops');
    const { io, out } = capture();
    expect(await main(['node', 'homeostat', 'init', target], io)).toBe(0);
    expect(out.join('\n')).toContain('npm install && npm test');
    const written = [...(await readdir(target)), ...(await readdir(path.join(target, 'policies'))).map((f) => `policies/${f}`)].filter((f) => f !== 'policies').sort();
    expect(written).toEqual([...STARTER_FILES].sort());
    const pkg = JSON.parse(await readFile(path.join(target, 'package.json'), 'utf8')) as { name: string; type: string; dependencies: Record<string, string>; scripts: Record<string, string> };
    expect(pkg).toMatchObject({ name: 'my-loops', type: 'module', scripts: { test: 'vitest run', validate: 'homeostat validate blueprint.yaml' } });
    expect(Object.keys(pkg.dependencies).sort()).toEqual(['homeostat', 'zod']);
    const blueprint = parse(await readFile(path.join(target, 'blueprint.yaml'), 'utf8')) as { name: string };
    expect(blueprint.name).toBe('my-loops');
    const testText = await readFile(path.join(target, 'policies/busy-guard.test.ts'), 'utf8');
    // the library is imported from the package root only, never from a deep path
    const imports = [...testText.matchAll(/from '([^']+)'/g)].map((m) => m[1]);
    expect(imports).toEqual(['vitest', 'homeostat', './busy-guard.js']);
  });

  // the example policy module had the same schema: a window of 0 passed validate, and the policy faulted at every
  // evaluation (rollingMean takes no zero window). A window is an interval (intervalSchema), never zero.
  it("the starter policy's window is an interval, so that validate refuses a window of 0", () => {
    expect(STARTER_POLICY).toMatch(/^\s+window: intervalSchema\.default\(60_000\),/m);
    expect(STARTER_POLICY).toMatch(/^import \{ definePolicy, durationSchema, intervalSchema, /m);
  });

  it('refuses to overwrite, and then writes nothing at all', async () => {
    await mkdir(path.join(dir, 'policies'));
    await writeFile(path.join(dir, 'policies/busy-guard.ts'), 'mine');
    const { io, err } = capture();
    expect(await main(['node', 'homeostat', 'init', dir], io)).toBe(1);
    expect(err[0]).toBe(`${path.join(dir, 'policies/busy-guard.ts')}: already exists; homeostat init never overwrites a file`);
    expect(await readFile(path.join(dir, 'policies/busy-guard.ts'), 'utf8')).toBe('mine');
    expect((await readdir(dir)).sort()).toEqual(['policies']);
  });

  it('quotes the directory in the next step, so a name with spaces can be pasted into a shell', async () => {
    const target = path.join(dir, "it's my loops");
    const { io, out } = capture();
    expect(await main(['node', 'homeostat', 'init', target], io)).toBe(0);
    expect(out[1]).toBe(`next: cd '${target.replace(/'/g, `'\\''`)}' && npm install && npm test && npm run validate && npm start`);
  });

  it('counts a symbolic link as a file that exists, even one pointing nowhere, and writes nothing', async () => {
    await symlink(path.join(dir, 'nowhere'), path.join(dir, '.gitignore'));
    const { io, err } = capture();
    expect(await main(['node', 'homeostat', 'init', dir], io)).toBe(1);
    expect(err[0]).toBe(`${path.join(dir, '.gitignore')}: already exists; homeostat init never overwrites a file`);
    expect((await readdir(dir)).sort()).toEqual(['.gitignore']);
  });

  it('says a path that is a file is not a directory, and writes nothing', async () => {
    const file = path.join(dir, 'notes.txt');
    await writeFile(file, 'mine');
    for (const target of [file, path.join(file, 'sub')]) {
      const { io, err } = capture();
      expect(await main(['node', 'homeostat', 'init', target], io)).toBe(1);
      expect(err).toEqual([`${target}: cannot write the starter: ${file} is a file, not a directory`]);
    }
    expect(await readFile(file, 'utf8')).toBe('mine');
  });

  it('takes back what it wrote when a later file cannot be written', async () => {
    // something takes the last file's place after the checks (another process): its write fails
    const { io, err } = capture();
    const code = await initCommand(dir, io, {
      beforeWrite: async (file) => {
        if (file === 'policies/busy-guard.test.ts') await mkdir(path.join(dir, file));
      },
    });
    expect(code).toBe(1);
    expect(err[0]).toMatch(/cannot write the starter: .*busy-guard\.test\.ts/);
    expect(err[1]).toBe('nothing was written (what was written before the failure was removed)');
    expect((await readdir(dir)).sort()).toEqual(['policies']);
    expect(await readdir(path.join(dir, 'policies'))).toEqual(['busy-guard.test.ts']);
  });

  it('names a project from any directory name', () => {
    expect(starterName('/tmp/Shop_Loops!')).toBe('shop-loops');
    expect(starterName('/')).toBe('my-loops');
  });
});
