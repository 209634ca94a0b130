// The installed command loading a project's TypeScript policy module: it compiles the module itself (esbuild,
// found next to the project's tsx), shares its own homeostat, rxjs and zod with it, and keeps the compiled
// module in the project's node_modules/.cache until a file it was compiled from changes. Real processes over
// a real package layout: the command's bundle built from these sources into a scratch install, a project
// beside it that depends on it, zod and tsx.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installBuiltCommand } from './built-command.js';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '../..');

let scratch: string;
let project: string;
let bin: string;
let cacheDir: string;

/** Runs `homeostat validate blueprint.yaml` in the project; resolves with the exit code and output, whatever the code. */
async function validate(): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, 'validate', 'blueprint.yaml'], { cwd: project, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** The compiled modules in the project's cache. */
async function compiledFiles(): Promise<string[]> {
  const names = await readdir(cacheDir).catch(() => []);
  return names.filter((n) => n.endsWith('.mjs')).map((n) => path.join(cacheDir, n));
}

/** Links a package of the repository's node_modules into `nodeModules`, as an install hoists it. */
async function link(nodeModules: string, name: string): Promise<void> {
  await mkdir(path.dirname(path.join(nodeModules, name)), { recursive: true });
  await symlink(path.join(repoRoot, 'node_modules', name), path.join(nodeModules, name), 'dir');
}

const RULES = "export const LIMIT = 5;\n";
const RULES_THAT_THROW = "export const LIMIT = 5;\nthrow new Error('rules v2 refuses to load');\n";

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'homeostat-ts-modules-'));
  // the project: homeostat installed in it, with its runtime dependencies hoisted beside it (rxjs and zod
  // among them, the project's own too), and tsx (which brings esbuild)
  project = path.join(scratch, 'project');
  const nodeModules = path.join(project, 'node_modules');
  // the installed package: package.json, bin and the command's bundle; its compiled library is a file that
  // refuses to load, so that a module importing 'homeostat' passes only if it gets the command's own copy
  bin = await installBuiltCommand(project);
  await writeFile(path.join(nodeModules, 'homeostat/dist/index.js'), "throw new Error('a second copy of homeostat loaded: dist/index.js');\n");
  await link(nodeModules, 'tsx');
  cacheDir = path.join(nodeModules, '.cache/homeostat-modules');
  await writeFile(path.join(project, 'package.json'), '{ "type": "module" }\n');
  await mkdir(path.join(project, 'policies'));
  await writeFile(path.join(project, 'policies/rules.ts'), RULES);
  await writeFile(path.join(project, 'policies/limits.json'), '{ "floor": 1 }\n');
  await writeFile(
    path.join(project, 'policies/guard.ts'),
    `import { readFileSync } from 'node:fs';
import { map } from 'rxjs';
import { z } from 'zod';
import { definePolicy, durationSchema } from 'homeostat';
import { LIMIT } from './rules.js';

// a file next to the module, found through import.meta.url: the original file's, not the compiled one's
const limits = JSON.parse(readFileSync(new URL('./limits.json', import.meta.url), 'utf8')) as { floor: number };

export default definePolicy({
  name: 'guard',
  config: z.object({ max: z.number().int().max(LIMIT).default(limits.floor), window: durationSchema.default(1_000) }),
  monitor: ({ entity }) => entity.sensor<boolean>('service.up').observations$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'x', inputs: [o] }))),
  plan: () => undefined,
});
`,
  );
  await writeFile(path.join(project, 'blueprint.yaml'), 'name: ts-modules\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./policies/guard.ts\n      config: { max: 3, window: 2s }\n');
}, 180_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('the installed command with a TypeScript policy module', { timeout: 120_000 }, () => {
  it('compiles it once, importing its own homeostat, rxjs and zod, and reuses it while its files are unchanged', async () => {
    const first = await validate();
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain("valid blueprint 'ts-modules'");
    const [compiled, ...others] = await compiledFiles();
    expect(others).toEqual([]);
    const code = await readFile(compiled as string, 'utf8');
    const imports = [...code.matchAll(/from "([^"]+)"/g)].map((m) => m[1]).sort();
    const bundle = (file: string): string => `file://${path.join(project, 'node_modules/homeostat/dist/cli-bundle', file)}`;
    expect(imports).toEqual(['node:fs', bundle('homeostat.js'), bundle('rxjs.js'), bundle('zod.js')].sort());
    // the relative import is compiled in
    expect(code).toContain('LIMIT = 5');

    // without tsx (and so without esbuild) the unchanged module still loads: from the cache, not compiled
    const written = (await stat(compiled as string)).mtimeMs;
    await rm(path.join(project, 'node_modules/tsx'));
    try {
      const second = await validate();
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
      expect((await stat(compiled as string)).mtimeMs).toBe(written);

      // a change to a file it imports is seen: it must be compiled again, which needs tsx's esbuild
      await writeFile(path.join(project, 'policies/rules.ts'), RULES_THAT_THROW);
      const stale = await validate();
      expect(stale.code).toBe(1);
      expect(stale.stderr).toContain('install tsx to load TypeScript policy modules');
    } finally {
      await link(path.join(project, 'node_modules'), 'tsx');
    }
    const recompiled = await validate();
    expect(recompiled.code).toBe(1);
    expect(recompiled.stderr).toMatch(/policy module '\.\/policies\/guard\.ts': threw while loading: rules v2 refuses to load/);
    expect(await compiledFiles()).toHaveLength(1);
    await writeFile(path.join(project, 'policies/rules.ts'), RULES);
  });

  it('says where in its own lines a module threw while loading, though compiling removed lines before it', async () => {
    await writeFile(path.join(project, 'policies/throws.ts'), "interface Settings {\n  readonly level: number;\n}\nconst settings: Settings | undefined = undefined;\nif (settings === undefined) throw new Error('no settings');\nexport default settings;\n");
    await writeFile(path.join(project, 'throws.yaml'), 'name: throws\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./policies/throws.ts\n');
    const result = await run(process.execPath, [bin, 'validate', 'throws.yaml'], { cwd: project, timeout: 60_000 }).catch((error: unknown) => error as { code: number; stderr: string });
    expect((result as { code?: number }).code).toBe(1);
    expect((result as { stderr: string }).stderr).toMatch(/^throws\.yaml:6:15: policy module '\.\/policies\/throws\.ts': threw while loading \(at .*throws\.ts:5:\d+\): no settings$/m);
  });

  it('refuses a config its compiled module rejects, as for any module', async () => {
    await writeFile(path.join(project, 'bad.yaml'), 'name: ts-modules\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./policies/guard.ts\n      config: { max: 9 }\n');
    const result = await run(process.execPath, [bin, 'validate', 'bad.yaml'], { cwd: project, timeout: 60_000 }).catch((error: unknown) => error as { code: number; stderr: string });
    expect((result as { code?: number }).code).toBe(1);
    // LIMIT, from the relative import, bounds max
    expect((result as { stderr: string }).stderr).toMatch(/^bad\.yaml:7:\d+: .*max.*5/m);
  });
});

/** Runs `homeostat validate <blueprint>` in the project, the blueprint made for one policy module. */
async function validateModule(name: string, module: string): Promise<{ code: number; stderr: string }> {
  await writeFile(path.join(project, `${name}.yaml`), `name: ${name}\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ${module}\n`);
  try {
    const { stderr } = await run(process.execPath, [bin, 'validate', `${name}.yaml`], { cwd: project, timeout: 60_000 });
    return { code: 0, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stderr: e.stderr ?? '' };
  }
}

/** A policy module that throws `message` built from its imports at load: what it compiled to shows in stderr. */
const throwing = (imports: string, message: string): string => `${imports}\nthrow new Error(${message});\n`;

describe('the compiled-module cache of the installed command', { timeout: 120_000 }, () => {
  it('compiles again when the tsconfig the module was compiled with changes (a paths mapping)', async () => {
    await writeFile(path.join(project, 'policies/limit-a.ts'), "export const WHICH = 'a';\n");
    await writeFile(path.join(project, 'policies/limit-b.ts'), "export const WHICH = 'b';\n");
    const tsconfig = (target: string): string => JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@limit': [target] } } });
    await writeFile(path.join(project, 'tsconfig.json'), tsconfig('./policies/limit-a.ts'));
    try {
      await writeFile(path.join(project, 'policies/mapped.ts'), throwing("import { WHICH } from '@limit';", "'mapped to ' + WHICH"));
      expect((await validateModule('mapped', './policies/mapped.ts')).stderr).toContain('mapped to a');
      await writeFile(path.join(project, 'tsconfig.json'), tsconfig('./policies/limit-b.ts'));
      expect((await validateModule('mapped', './policies/mapped.ts')).stderr).toContain('mapped to b');
    } finally {
      await rm(path.join(project, 'tsconfig.json'));
    }
  });

  it('compiles again when a configuration the tsconfig extends changes (a paths mapping in the base, comments in both)', async () => {
    await writeFile(path.join(project, 'policies/limit-a.ts'), "export const WHICH = 'a';\n");
    await writeFile(path.join(project, 'policies/limit-b.ts'), "export const WHICH = 'b';\n");
    const configs = path.join(project, 'configs');
    await mkdir(configs, { recursive: true });
    const base = (target: string): string => `// shared settings\n{ "compilerOptions": { "baseUrl": "..", "paths": { "@base-limit": ["${target}"], }, }, }\n`;
    await writeFile(path.join(configs, 'base.json'), base('./policies/limit-a.ts'));
    await writeFile(path.join(project, 'tsconfig.json'), '{\n  /* the project */ "extends": "./configs/base",\n}\n');
    try {
      await writeFile(path.join(project, 'policies/based.ts'), throwing("import { WHICH } from '@base-limit';", "'mapped to ' + WHICH"));
      expect((await validateModule('based', './policies/based.ts')).stderr).toContain('mapped to a');
      await writeFile(path.join(configs, 'base.json'), base('./policies/limit-b.ts'));
      expect((await validateModule('based', './policies/based.ts')).stderr).toContain('mapped to b');
    } finally {
      await rm(path.join(project, 'tsconfig.json'), { force: true });
      await rm(configs, { recursive: true, force: true });
    }
  });

  it('still loads a module when the cache cannot be written (it is compiled for this run only)', async () => {
    await writeFile(path.join(project, 'policies/uncached.ts'), throwing('', "'uncached loaded'"));
    const saved = `${cacheDir}.saved`;
    await rm(saved, { recursive: true, force: true });
    await stat(cacheDir).then(() => import('node:fs/promises').then((fs) => fs.rename(cacheDir, saved)), () => undefined);
    await writeFile(cacheDir, 'not a directory');
    try {
      const result = await validateModule('uncached', './policies/uncached.ts');
      expect(result.stderr).toContain('uncached loaded');
    } finally {
      await rm(cacheDir, { force: true });
      await import('node:fs/promises').then((fs) => fs.rename(saved, cacheDir)).catch(() => undefined);
    }
  });

  it('removes the entry of a module whose file was deleted when it compiles another', async () => {
    await writeFile(path.join(project, 'policies/gone.ts'), throwing('', "'gone loaded'"));
    expect((await validateModule('gone', './policies/gone.ts')).stderr).toContain('gone loaded');
    const withGone = await compiledFiles();
    await rm(path.join(project, 'policies/gone.ts'));
    await writeFile(path.join(project, 'policies/fresh.ts'), throwing('', "'fresh loaded'"));
    expect((await validateModule('fresh', './policies/fresh.ts')).stderr).toContain('fresh loaded');
    const after = await compiledFiles();
    const goneEntries = withGone.filter((file) => !after.includes(file));
    expect(goneEntries).toHaveLength(1);
    expect(after).toHaveLength(withGone.length);
  });

  it('names the file, line and column of a syntax error in a file the module imports', async () => {
    await writeFile(path.join(project, 'policies/broken-rules.ts'), "export const A = 1;\nexport const B = (;\n");
    await writeFile(path.join(project, 'policies/imports-broken.ts'), "import { A } from './broken-rules.js';\nexport default A;\n");
    const result = await validateModule('syntax', './policies/imports-broken.ts');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/broken-rules\.ts:2:\d+/);
  });

  it('names the package a module imports that is not installed, and where', async () => {
    await writeFile(path.join(project, 'policies/missing-package.ts'), "import { x } from 'not-installed-package';\nexport default x;\n");
    const result = await validateModule('missing', './policies/missing-package.ts');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/not-installed-package.*missing-package\.ts:1:19/);
  });

  it('loads a .mts module importing JSON and a .js file next to it, with import.meta.dirname its own', async () => {
    await writeFile(path.join(project, 'policies/helper.js'), "export const HELPER = 'js helper';\n");
    await writeFile(path.join(project, 'policies/data.json'), '{ "value": 7 }\n');
    await writeFile(path.join(project, 'policies/meta.mts'), throwing("import { HELPER } from './helper.js';\nimport data from './data.json' with { type: 'json' };", "`${HELPER} ${data.value} ${import.meta.dirname}`"));
    expect((await validateModule('meta', './policies/meta.mts')).stderr).toContain(`js helper 7 ${path.join(project, 'policies')}`);
  });
  it('resolves a relative specifier with import.meta.resolve from the module\'s own directory', async () => {
    await writeFile(path.join(project, 'policies/resolving.ts'), throwing('', "'resolved ' + import.meta.resolve('./next-door.json')"));
    expect((await validateModule('resolving', './policies/resolving.ts')).stderr).toContain(`resolved ${pathToFileURL(path.join(project, 'policies/next-door.json')).href}`);
  });
  it("resolves '.' and '..' with import.meta.resolve from the module's own directory, as Node does", async () => {
    await writeFile(path.join(project, 'policies/dots.ts'), throwing('', "'dots ' + import.meta.resolve('.') + ' ' + import.meta.resolve('..')"));
    const own = pathToFileURL(path.join(project, 'policies')).href;
    expect((await validateModule('dots', './policies/dots.ts')).stderr).toContain(`dots ${own}/ ${pathToFileURL(project).href}/`);
  });
  it('rewrites import.meta only in code: the same words in strings and template text stay as written', async () => {
    const message = "'import.meta.resolve(x) in a string, ' + `import.meta.url in a template, ` + /['\"]/.source + ' ' + `${import.meta.resolve('./next-door.json')}`";
    await writeFile(path.join(project, 'policies/quoting.ts'), throwing('', message));
    const next = pathToFileURL(path.join(project, 'policies/next-door.json')).href;
    expect((await validateModule('quoting', './policies/quoting.ts')).stderr).toContain(`import.meta.resolve(x) in a string, import.meta.url in a template, ['"] ${next}`);
  });
  it('serves processes compiling the same module at once, leaving one whole entry and no partial file', async () => {
    await writeFile(path.join(project, 'policies/raced.ts'), throwing('', "'raced loaded'"));
    const before = await readdir(cacheDir);
    await writeFile(path.join(project, 'raced.yaml'), 'name: raced\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./policies/raced.ts\n');
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => run(process.execPath, [bin, 'validate', 'raced.yaml'], { cwd: project, timeout: 60_000 }).catch((error: unknown) => error as { stderr: string })),
    );
    for (const result of runs) expect(result.stderr).toContain('raced loaded');
    const added = (await readdir(cacheDir)).filter((name) => !before.includes(name));
    expect(added.filter((name) => name.endsWith('.mjs'))).toHaveLength(1);
    expect(added.filter((name) => name.endsWith('.json'))).toHaveLength(1);
    expect(added.filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('compiles a cached module again when the esbuild installed is another version', async () => {
    await writeFile(path.join(project, 'policies/versioned.ts'), throwing('', "'versioned loaded'"));
    expect((await validateModule('versioned', './policies/versioned.ts')).stderr).toContain('versioned loaded');
    const findEntry = async (): Promise<string | undefined> => {
      for (const file of await compiledFiles()) if ((await readFile(file, 'utf8')).includes('versioned loaded')) return file;
      return undefined;
    };
    const compiled = await findEntry();
    expect(compiled).toBeDefined();
    const written = (await stat(compiled as string)).mtimeMs;
    // the project installs another esbuild (here the same code under another version number)
    const esbuild = path.join(project, 'node_modules/esbuild');
    await mkdir(esbuild);
    await writeFile(path.join(esbuild, 'package.json'), JSON.stringify({ name: 'esbuild', version: '0.0.1-other', main: 'main.js' }));
    await writeFile(path.join(esbuild, 'main.js'), `module.exports = require(${JSON.stringify(path.join(repoRoot, 'node_modules/esbuild'))});\n`);
    try {
      expect((await validateModule('versioned', './policies/versioned.ts')).stderr).toContain('versioned loaded');
      expect((await stat(compiled as string)).mtimeMs).toBeGreaterThan(written);
    } finally {
      await rm(esbuild, { recursive: true, force: true });
    }
  });
  it('loads a relative file imported with a computed specifier from the directory of the module, as Node would', async () => {
    await writeFile(path.join(project, 'policies/dynamic-target.js'), "export const NAME = 'dynamic target';\n");
    await writeFile(path.join(project, 'policies/dynamic.ts'), throwing("const target = ['./dynamic', 'target.js'].join('-');\nconst { NAME } = (await import(target)) as { NAME: string };", 'NAME + " loaded"'));
    expect((await validateModule('dynamic', './policies/dynamic.ts')).stderr).toContain('dynamic target loaded');
  });
  it('compiles again when a tsconfig.json appears above a module compiled without one', async () => {
    const pkg = path.join(project, 'node_modules/limit-pkg');
    await mkdir(pkg, { recursive: true });
    await writeFile(path.join(pkg, 'package.json'), JSON.stringify({ name: 'limit-pkg', type: 'module', main: 'index.js' }));
    await writeFile(path.join(pkg, 'index.js'), "export const WHICH = 'the package';\n");
    await writeFile(path.join(project, 'policies/limit-b.ts'), "export const WHICH = 'b';\n");
    await writeFile(path.join(project, 'policies/appears.ts'), throwing("import { WHICH } from 'limit-pkg';", "'mapped to ' + WHICH"));
    try {
      expect((await validateModule('appears', './policies/appears.ts')).stderr).toContain('mapped to the package');
      await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { 'limit-pkg': ['./policies/limit-b.ts'] } } }));
      expect((await validateModule('appears', './policies/appears.ts')).stderr).toContain('mapped to b');
    } finally {
      await rm(path.join(project, 'tsconfig.json'), { force: true });
      await rm(pkg, { recursive: true, force: true });
    }
  });
});
