// Every code block of the README is checked: TypeScript blocks are compiled against the package's public
// entry points (as a user imports them: 'homeostat', 'homeostat/server'), blueprints are validated, and the
// CLI commands shown are run.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/index.js';
import { cliCommands, codeBlocks, repoRoot } from './readme-blocks.js';

const run = promisify(execFile);
const blocks = codeBlocks();
const scratchDirs: string[] = [];

afterAll(async () => {
  for (const dir of scratchDirs) await rm(dir, { recursive: true, force: true });
});

async function failureOutput(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return '';
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return `${e.stdout ?? ''}${e.stderr ?? ''}` || e.message;
  }
}

describe('README code blocks', () => {
  it('has TypeScript, blueprint and CLI blocks to check', () => {
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThanOrEqual(6);
    expect(blocks.filter((b) => b.lang === 'yaml').length).toBeGreaterThanOrEqual(2);
    expect(cliCommands(blocks).length).toBeGreaterThanOrEqual(3);
  });

  it('every ts block compiles, strictly, against the package as a user imports it', async () => {
    // inside the repository, so that zod, fastify, vitest... resolve from its node_modules
    await mkdir(path.join(repoRoot, '.scratch'), { recursive: true });
    const dir = await mkdtemp(path.join(repoRoot, '.scratch', 'readme-ts-'));
    scratchDirs.push(dir);
    const files: string[] = [];
    for (const [i, block] of blocks.filter((b) => b.lang === 'ts').entries()) {
      const file = `snippet-${i + 1}-line-${block.line}.ts`;
      files.push(file);
      await writeFile(path.join(dir, file), `${block.text}\nexport {};\n`);
    }
    // the policy module the README's test snippet imports, written as a user would (it imports 'homeostat')
    const guard = await readFile(path.join(repoRoot, 'policies/latency-guard.ts'), 'utf8');
    expect(guard).toContain("from 'homeostat'");
    await writeFile(path.join(dir, 'latency-guard.ts'), guard);
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    const src = path.relative(dir, path.join(repoRoot, 'src'));
    await writeFile(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          lib: ['ES2023', 'DOM'],
          types: ['node'],
          strict: true,
          noUncheckedIndexedAccess: true,
          skipLibCheck: true,
          noEmit: true,
          paths: { homeostat: [`${src}/index.ts`], 'homeostat/server': [`${src}/server/index.ts`] },
        },
        // the local declaration of an untyped dependency, as the project's own build has it
        files: [...files, 'latency-guard.ts', `${src}/sensors/feeds/parse-prometheus-text-format.d.ts`],
      }),
    );
    const output = await failureOutput(run(process.execPath, [path.join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', dir], { cwd: dir, timeout: 120_000 }));
    expect(output).toBe('');
  }, 180_000);

  it('every yaml blueprint validates (as a file of examples/, for relative module paths)', async () => {
    // a blueprint that loads `types:` modules names files of its own README example; test/blueprint/readme-real-systems.test.ts
    // checks that one with the module written next to it
    const blueprints = blocks.filter((b) => b.lang === 'yaml' && /^application:/m.test(b.text) && !/^types:/m.test(b.text));
    expect(blueprints.length).toBeGreaterThanOrEqual(2);
    for (const block of blueprints) {
      const file = path.join(repoRoot, 'examples', `readme-line-${block.line}.yaml`); // names it; nothing is written
      await expect(parseBlueprint(block.text, file), `README line ${block.line}`).resolves.toMatchObject({ root: expect.anything() });
    }
  });

  it('every CLI command shown in an sh block (but run) succeeds', async () => {
    await mkdir(path.join(repoRoot, '.scratch'), { recursive: true });
    const dir = await mkdtemp(path.join(repoRoot, '.scratch', 'readme-sh-'));
    scratchDirs.push(dir);
    for (const { args, line } of cliCommands(blocks)) {
      // files the command writes (--chart) go to scratch, not into the checkout
      const chartAt = args.indexOf('--chart') + 1;
      const written = chartAt > 0 ? path.join(dir, path.basename(args[chartAt] ?? 'chart.svg')) : undefined;
      const actual = args.map((a, i) => (i === chartAt && written ? written : a));
      const output = await failureOutput(run(process.execPath, [path.join(repoRoot, 'bin/homeostat.js'), ...actual], { cwd: repoRoot, timeout: 60_000 }));
      expect(output, `README line ${line}: node bin/homeostat.js ${args.join(' ')}`).toBe('');
      if (written) expect((await readFile(written, 'utf8')).startsWith('<svg')).toBe(true);
    }
  }, 300_000);
});
