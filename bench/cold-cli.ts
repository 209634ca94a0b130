// A cold CLI as whole processes: spawn, time to exit. `homeostat validate` of an example and `simulate` of
// the WC98 trace, each run both as users run it (the built `dist`, laid out as an installed package: no
// src/, so no TypeScript loader) and from a source checkout (through tsx). The baseline is node itself
// starting and exiting (`node -e ''`) in the same run; ratios are against it, min/median/max over rounds.
// Each case reports wall time and, where time(1) is installed, CPU time (user + sys).
// A TypeScript policy module is compiled by the installed command on its first run and taken from the
// project's cache (node_modules/.cache/homeostat-modules) after: the `...Uncached` case empties that cache
// before each of its runs. The command's compiled code is kept too (V8's code cache, in
// node_modules/.cache/homeostat-cli, written by a command's first run): `validateCodeCacheColdDist` removes
// validate's before each of its runs, as on the first run after an install or a build.
// BENCH_BEFORE=<another checkout, built> measures each case of that build too, in
// the same rounds (keys ending in `Before`), for a before/after from one run.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { emit } from './stats.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
// runs from bench/ (tsx) or from .bench-build/bench/ (compiled)
// BENCH_ROOT measures another checkout (an older build, for a before/after)
const root = process.env['BENCH_ROOT'] ?? path.resolve(import.meta.dirname, import.meta.dirname.includes('.bench-build') ? '../..' : '..');
// the command's bundle (dist/cli-bundle) or, in a build older than the bundle, the compiled command
if (!existsSync(path.join(root, 'dist/cli-bundle/main.js')) && !existsSync(path.join(root, 'dist/cli/main.js'))) throw new Error('cold-cli needs the build: run `npm run build` first');
// CPU time (user + sys) of the whole process, through time(1) where the machine has it: less disturbed by
// other work than wall time on a loaded machine
const TIME = '/usr/bin/time';
const cpuMeasured = existsSync(TIME);

/** The package of `checkout` as installed: bin, dist and package.json, no src/ (so bin/homeostat.js takes the dist path). */
function installed(checkout: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeostat-cold-'));
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(path.join(checkout, 'bin/homeostat.js'), path.join(dir, 'bin/homeostat.js'));
  copyFileSync(path.join(checkout, 'package.json'), path.join(dir, 'package.json'));
  symlinkSync(path.join(checkout, 'dist'), path.join(dir, 'dist'));
  symlinkSync(path.join(checkout, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** Wall time of one whole process run in `cwd`, from spawn to exit, and its CPU time when measured (ms); throws when it fails. */
function timed(cwd: string, args: readonly string[]): { wall: number; cpu: number } {
  const start = performance.now();
  const result = cpuMeasured
    ? spawnSync(TIME, ['-f', 'cpu %U %S', process.execPath, ...args], { cwd, encoding: 'utf8' })
    : spawnSync(process.execPath, args, { cwd, encoding: 'utf8' });
  const wall = performance.now() - start;
  if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  const cpuLine = /cpu (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*$/.exec(result.stderr);
  return { wall, cpu: cpuLine ? (Number(cpuLine[1]) + Number(cpuLine[2])) * 1000 : NaN };
}

const spread = (values: number[]): { min: number; median: number; max: number } => {
  const s = [...values].sort((a, b) => a - b);
  return { min: Math.round(s[0] ?? NaN), median: Math.round(s[Math.floor(s.length / 2)] ?? NaN), max: Math.round(s.at(-1) ?? NaN) };
};

/** The cases of one checkout: argument lists, and what to do before each run. */
function casesOf(checkout: string, pkg: string): Record<string, { args: readonly string[]; before?: () => void }> {
  // an example with built-in policies only, and ones that name TypeScript policy modules
  const blueprint = path.join(checkout, 'examples/web-cluster-ha.yaml');
  const withModule = path.join(checkout, 'examples/web-shop.yaml');
  const swim = path.join(checkout, 'examples/swim/homeostat.yaml');
  const swimWithModule = path.join(checkout, 'examples/swim/swim-reactive.yaml');
  const trace = path.join(checkout, 'examples/traces/wc_day53-r0-105m-l70.delta');
  const moduleCache = path.join(checkout, 'node_modules/.cache/homeostat-modules');
  // validate's compiled code of this checkout's build only (named <path>-<build id>-...): the other commands
  // keep theirs, and another checkout sharing node_modules (BENCH_BEFORE) its own
  const codeCache = path.join(checkout, 'node_modules/.cache/homeostat-cli');
  const mainJs = path.join(checkout, 'dist/cli-bundle/main.js');
  const buildId = existsSync(mainJs) ? /"([0-9a-f]{64})"/.exec(readFileSync(mainJs, 'utf8'))?.[1]?.slice(0, 16) : undefined;
  const removeValidateCodeCache = (): void => {
    if (buildId === undefined) return;
    for (const file of existsSync(codeCache) ? readdirSync(codeCache) : []) if (file.split('-')[1] === buildId && file.endsWith('-validate.v8')) rmSync(path.join(codeCache, file), { force: true });
  };
  const bin = path.join(pkg, 'bin/homeostat.js');
  return {
    node: { args: ['-e', ''] },
    validateDist: { args: [bin, 'validate', blueprint] },
    validateTsModuleDist: { args: [bin, 'validate', withModule] },
    validateTsModuleUncachedDist: { args: [bin, 'validate', withModule], before: () => rmSync(moduleCache, { recursive: true, force: true }) },
    validateCodeCacheColdDist: { args: [bin, 'validate', blueprint], before: removeValidateCodeCache },
    simulateDist: { args: [bin, 'simulate', swim, '--trace', trace] },
    simulateTsModuleDist: { args: [bin, 'simulate', swimWithModule, '--trace', trace] },
    validateSource: { args: [path.join(checkout, 'bin/homeostat.js'), 'validate', blueprint] },
    simulateSource: { args: [path.join(checkout, 'bin/homeostat.js'), 'simulate', swim, '--trace', trace] },
  };
}

const before = process.env['BENCH_BEFORE'];
const checkouts: Array<{ suffix: string; checkout: string }> = [{ suffix: '', checkout: root }, ...(before ? [{ suffix: 'Before', checkout: path.resolve(before) }] : [])];
const packages = checkouts.map(({ checkout }) => installed(checkout));
const cases = checkouts.flatMap(({ suffix, checkout }, i) => Object.entries(casesOf(checkout, packages[i] as string)).map(([name, c]) => ({ name: `${name}${suffix}`, cwd: checkout, ...c })));
const times: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
const cpuTimes: Record<string, number[]> = Object.fromEntries(cases.map((c) => [c.name, []]));
try {
  // round 0 fills the file cache (and the module cache) and is not counted; the cases alternate within each round
  for (let round = 0; round <= ROUNDS; round++) {
    for (const { name, cwd, args, before: prepare } of cases) {
      prepare?.();
      const ms = timed(cwd, args);
      if (round > 0) times[name]?.push(ms.wall);
      if (round > 0) cpuTimes[name]?.push(ms.cpu);
    }
  }
} finally {
  for (const pkg of packages) rmSync(pkg, { recursive: true, force: true });
}
const result: Record<string, unknown> = { name: 'cold-cli', rounds: ROUNDS };
for (const [name, values] of Object.entries(times)) result[`${name}Ms`] = spread(values);
if (cpuMeasured) for (const [name, values] of Object.entries(cpuTimes)) result[`${name}CpuMs`] = spread(values);
emit(result);
