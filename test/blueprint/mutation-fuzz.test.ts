// Property tests of the blueprint loader (what `homeostat validate` runs) with the example blueprints mutated:
// the loader answers a blueprint or its problem list, never another error, each problem placed in the file
// with a message, and it does not hang.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import type { Blueprint } from '../../src/blueprint/resolved.js';
import type { PolicyFault } from '../../src/knowledge/decision.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { applyMutation, applyTextMutation, mutation, textMutation, tweak } from './blueprint-mutations.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20_261_201);
/** FUZZ_PATH replays one counterexample of a run property (the `path` its failure printed), with the same seed. */
const REPLAY = process.env['FUZZ_PATH'] ? { path: process.env['FUZZ_PATH'] } : {};
const RUNS = Number(process.env['BLUEPRINT_FUZZ_RUNS'] ?? 30);
/** One load may take this long (module imports included) before the run counts as a hang. */
const LOAD_TIMEOUT_MS = 5_000;

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');
/** Examples of simulated systems only (no feeds, processes or servers): what they accept can be run here. */
const SIMULATED = ['database-failover.yaml', 'two-site-dr.yaml', 'web-cluster-ha.yaml', 'web-shop.yaml', 'swim/homeostat.yaml', 'swim/swim-reactive.yaml'];
/** How long running one accepted blueprint may take (wall ms) before the run counts as a hang. */
const RUN_TIMEOUT_MS = 10_000;
/** How long an accepted blueprint runs, in virtual time (ms). */
const RUN_MS = 10 * 60_000;
const files = readdirSync(EXAMPLES, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml')).sort();

/** The outcome of loading `text` as `file`: what is wrong with it as the loader's answer, or undefined. */
async function loaderBreach(text: string, file: string): Promise<string | undefined> {
  try {
    await parseBlueprint(text, file);
    return undefined;
  } catch (error) {
    if (!(error instanceof BlueprintError)) return `threw ${String((error as Error)?.stack ?? error).slice(0, 600)}`;
    if (error.problems.length === 0) return 'a BlueprintError without problems';
    const lines = text.split('\n').length;
    for (const p of error.problems) {
      if (p.file !== file) return `a problem of another file: ${p.file}`;
      if (!Number.isInteger(p.line) || !Number.isInteger(p.col) || p.line < 1 || p.col < 1 || p.line > lines + 1) return `a problem placed nowhere: ${p.line}:${p.col} ${p.message}`;
      if (typeof p.message !== 'string' || p.message.trim() === '' || /\bundefined\b|\[object Object\]|expected nonoptional/.test(p.message)) return `a problem without a message that says what: '${p.message}'`;
    }
    return undefined;
  }
}

/** What went wrong running `blueprint` for RUN_MS of virtual time: a throw, a policy fault or a stopped policy. */
async function runBreach(blueprint: Blueprint): Promise<string | undefined> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'homeostat-fuzz-'));
  const clock = new VirtualClock();
  const faults: PolicyFault[] = [];
  let deployment: Deployment | undefined;
  try {
    deployment = await Deployment.create(blueprint, { scheduler: clock, stateDir });
    deployment.engine.faults$.subscribe((f) => faults.push(f));
    deployment.start();
    await clock.advanceBy(RUN_MS);
    const stopped = deployment.engine.stoppedPolicies(10);
    if (stopped.count > 0) return `policies stopped: ${stopped.ids.join(', ')}`;
    if (faults.length > 0) return `policy faults: ${faults.slice(0, 3).map((f) => `${f.policy} (${f.phase}): ${f.message}`).join('; ')}`;
    return undefined;
  } catch (error) {
    return `running it threw ${String((error as Error)?.stack ?? error).slice(0, 600)}`;
  } finally {
    await deployment?.stop({ graceMs: 0 }).catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
}

describe('the blueprint loader with mutated examples', () => {
  it('there are examples to mutate', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files)('%s: a blueprint or its problems (each placed, with a message), never a crash or a hang', async (name) => {
    const file = path.join(EXAMPLES, name);
    const original = readFileSync(file, 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const data = parse(original) as Record<string, unknown>;
        const done = mutations.map((m) => applyMutation(data, m));
        const text = stringify(data, { lineWidth: 0 });
        const breach = await loaderBreach(text, file);
        expect(breach, `${done.join('; ')}\n${text.slice(0, 2_000)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, timeout: LOAD_TIMEOUT_MS, markInterruptAsFailure: true, endOnFailure: true },
    );
  }, 60_000);

  it.each(files)('%s with YAML that data never writes (tags, .nan, aliases, merge keys, complex keys): the same', async (name) => {
    const file = path.join(EXAMPLES, name);
    const original = readFileSync(file, 'utf8');
    await fc.assert(
      fc.asyncProperty(fc.array(textMutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        let text = original;
        const done: string[] = [];
        for (const m of mutations) {
          const next = applyTextMutation(text, m);
          text = next.text;
          done.push(next.done);
        }
        const breach = await loaderBreach(text, file);
        expect(breach, `${done.join('; ')}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, timeout: LOAD_TIMEOUT_MS, markInterruptAsFailure: true, endOnFailure: true },
    );
  }, 60_000);

  it.each(SIMULATED)('%s: what the loader accepts starts, and its loops run 10 virtual minutes without a fault', async (name) => {
    const file = path.join(EXAMPLES, name);
    const original = readFileSync(file, 'utf8');
    let accepted = 0;
    // mostly tweaks (values of the leaf's own type), which a schema lets through most often
    const mutated = fc.oneof({ arbitrary: fc.array(tweak, { minLength: 1, maxLength: 4 }), weight: 3 }, fc.array(mutation, { maxLength: 2 }));
    await fc.assert(
      fc.asyncProperty(mutated, fc.oneof({ arbitrary: fc.constant([]), weight: 4 }, fc.array(textMutation, { minLength: 1, maxLength: 1 })), async (mutations, textMutations) => {
        const data = parse(original) as Record<string, unknown>;
        const done = mutations.map((m) => applyMutation(data, m));
        let text = mutations.length === 0 ? original : stringify(data, { lineWidth: 0 });
        for (const m of textMutations) {
          const next = applyTextMutation(text, m);
          text = next.text;
          done.push(next.done);
        }
        let blueprint: Blueprint;
        try {
          blueprint = await parseBlueprint(text, file);
        } catch {
          return; // refused: the property above checks how
        }
        // a period or interval of a few ms is taken by design (1 ms is the least), and 10 virtual minutes of it
        // are hundreds of thousands of steps: not run here
        fc.pre(!/(^|[\s:])(0\.001|1|1\.5|100)ms\b/m.test(text));
        accepted++;
        expect(await runBreach(blueprint), `${done.join('; ')}\n${text.slice(0, 2_000)}`).toBeUndefined();
      }),
      { seed: SEED, numRuns: RUNS, timeout: RUN_TIMEOUT_MS, markInterruptAsFailure: true, endOnFailure: true, ...REPLAY },
    );
    expect(accepted).toBeGreaterThan(0);
  }, 120_000);
});
