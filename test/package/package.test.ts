// What a user gets from `npm install homeostat` and `npx homeostat init`: the packed file list, a CLI that
// runs without the optional peers, and a starter project whose blueprint validates and whose test passes.
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packHomeostat, repoRoot, type PackedPackage } from './packed-package.js';

const execFileAsync = promisify(execFile);

/** Runs node with a bounded time; resolves with the exit code and output, whatever the code. */
/** Runs node with `args` in `cwd`; a child still running after `timeoutMs` is killed (shorter than its test's timeout: none outlives its test). */
async function node(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 90_000): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [...args], { cwd, timeout: timeoutMs, env: { ...process.env, NO_COLOR: '1', ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

let packed: PackedPackage;
let cli: string;

beforeAll(async () => {
  packed = await packHomeostat();
  // the CLI as `npx homeostat` gets it: runtime dependencies only, no tsx, no OpenTelemetry SDK
  cli = await packed.install(path.join(packed.scratch, 'npx'));
}, 600_000);

afterAll(async () => {
  await packed?.cleanup();
});

describe('npm pack', () => {
  it('ships the build, the bin, the README and the license; no tests, sources, benchmarks or examples', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['package.json', 'README.md', 'LICENSE', 'bin/homeostat.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'dist/cli-bundle/main.js', 'dist/server/index.js']));
    const outside = paths.filter((p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'bin/homeostat.js'].includes(p));
    expect(outside).toEqual([]);
    expect(paths.filter((p) => /\.test\.|^test\/|^bench\/|^src\/|^policies\//.test(p))).toEqual([]);
    // TypeScript goes out as declarations only
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
    // about 4.3 MB unpacked: the one-file CLI bundle 1.6 MB, the library's modules 1.6 MB, their declarations
    // 0.8 MB, the README 0.25 MB; the bound catches a build that ships what it should not (maps, duplicates)
    const total = packed.files.reduce((n, f) => n + f.size, 0);
    expect(total).toBeLessThan(5 * 1024 * 1024);
  });

  it('keeps the OpenTelemetry SDK and tsx out of the runtime dependencies (optional peers)', async () => {
    const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, Record<string, unknown>>;
    for (const name of ['@opentelemetry/sdk-node', 'tsx']) {
      expect(pkg['dependencies']?.[name]).toBeUndefined();
      expect(pkg['peerDependencies']?.[name]).toBeDefined();
      expect(pkg['peerDependenciesMeta']?.[name]).toEqual({ optional: true });
      expect(pkg['devDependencies']?.[name]).toBeDefined(); // the dev setup keeps them
    }
  });
});

describe('the installed CLI without optional peers', () => {
  it('prints its version and validates a blueprint', async () => {
    const version = await node([cli, '--version'], packed.scratch, {}, 25_000);
    expect(version.stdout.trim()).toBe((JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version);
    const valid = await node([cli, 'validate', path.join(repoRoot, 'test/cli/fixtures/quick.yaml')], packed.scratch, {}, 25_000);
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
  }, 60_000);

  it('says to install the OpenTelemetry SDK when OTEL_* asks for tracing', async () => {
    const result = await node([cli, 'run', path.join(repoRoot, 'test/cli/fixtures/quick.yaml')], packed.scratch, { OTEL_TRACES_EXPORTER: 'otlp' }, 45_000);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('OTEL_TRACES_EXPORTER asks for OpenTelemetry tracing, but @opentelemetry/sdk-node is not installed');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});

describe('npx homeostat init my-loops', () => {
  it('writes a starter whose blueprint validates with the CLI and whose virtual-time test passes', async () => {
    const init = await node([cli, 'init', 'my-loops'], packed.scratch);
    expect(init.code).toBe(0);
    const project = path.join(packed.scratch, 'my-loops');

    // without tsx, the .ts policy module cannot load: the CLI says what to install
    const noTsx = await node([cli, 'validate', 'blueprint.yaml'], project);
    expect(noTsx.code).toBe(1);
    expect(noTsx.stderr).toContain('install tsx to load TypeScript policy modules');

    // `npm install` in the project: homeostat with its dependencies, and the starter's own (zod, tsx, vitest)
    const starter = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const own = [...Object.keys(starter.dependencies), ...Object.keys(starter.devDependencies)].filter((n) => n !== 'homeostat');
    expect(own.sort()).toEqual(['tsx', 'vitest', 'zod']);
    const bin = await packed.install(project, own);

    const valid = await node([bin, 'validate', 'blueprint.yaml'], project);
    expect(valid.stderr).toBe('');
    expect(valid.stdout).toContain("valid blueprint 'my-loops'");
    expect(valid.code).toBe(0);

    const tests = await node([path.join(project, 'node_modules/vitest/vitest.mjs'), 'run'], project);
    expect(tests.stdout).toMatch(/Tests\s+3 passed/);
    expect(tests.code).toBe(0);

    // and it is a real check: a blueprint with a misspelled policy key fails validation
    await mkdir(path.join(project, 'broken'));
    const text = (await readFile(path.join(project, 'blueprint.yaml'), 'utf8')).replace('max: 8', 'maks: 8').replace('./policies/', '../policies/');
    await writeFile(path.join(project, 'broken/blueprint.yaml'), text);
    const broken = await node([bin, 'validate', 'broken/blueprint.yaml'], project);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^broken\/blueprint\.yaml:\d+:\d+: .*maks/m);
  }, 180_000);
});
