import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { parseCsvTrace, readTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const wc98 = path.join(root, 'examples/traces/wc_day53-r0-105m-l70.delta');

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('simulation', () => {
  it('is deterministic: the same seed gives the same report', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    const trace = await readTrace(wc98);
    const strip = (r: Awaited<ReturnType<typeof runSimulation>>['report']) => ({ ...r, wallClockSeconds: 0 });
    const first = await runSimulation(blueprint, { trace, seed: 3 });
    const second = await runSimulation(blueprint, { trace, seed: 3 });
    expect(strip(second.report)).toEqual(strip(first.report));
    const other = await runSimulation(blueprint, { trace, seed: 4 });
    expect(other.report.systems[0]?.swim.percentOptional).not.toEqual(first.report.systems[0]?.swim.percentOptional);
  });

  it('reports progress at each tenth of the simulated time without changing the report', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    const trace = await readTrace(wc98);
    const strip = (r: Awaited<ReturnType<typeof runSimulation>>['report']) => ({ ...r, wallClockSeconds: 0 });
    const marks: Array<[number, number]> = [];
    const watched = await runSimulation(blueprint, { trace, seed: 5, onProgress: (at, of) => marks.push([at, of]) });
    const quiet = await runSimulation(blueprint, { trace, seed: 5 });
    expect(strip(watched.report)).toEqual(strip(quiet.report));
    expect(marks.length).toBeGreaterThanOrEqual(10);
    expect(marks.every(([, of]) => of === 6300)).toBe(true);
    expect(marks.map(([at]) => at)).toEqual([...marks.map(([at]) => at)].sort((a, b) => a - b));
    expect(marks.at(-1)).toEqual([6300, 6300]);
    expect(marks[0]?.[0]).toBeGreaterThanOrEqual(630);
  });

  it('scores the final period of a trace that ends just before a period boundary', async () => {
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    // 105 minutes of arrivals every 0.5 s, the last at 6299.5 s: the period 6240-6300 s is scored too
    const trace = { arrivals: Float64Array.from({ length: 12_600 }, (_, i) => i * 0.5), durationSeconds: 6299.5, source: 'even.delta' };
    const { report, host } = await runSimulation(blueprint, { trace });
    expect(report.simulatedSeconds).toBe(6300);
    expect(host.systems[0]?.periods.filter((p) => p.from >= 900)).toHaveLength(90);
  });

  it("gives policies one consistent snapshot per period: each decision cites that minute's readings", async () => {
    // a spike: 20 min at 10 req/s, 10 min at 75 req/s, then 10 req/s again
    const rows = Array.from({ length: 60 }, (_, i) => `${i * 60},${i >= 20 && i < 30 ? 4500 : 600}`).join('\n');
    const trace = parseCsvTrace(`timestamp,count\n${rows}\n`, 'spike.csv');
    for (const file of ['examples/swim/homeostat.yaml', 'examples/swim/swim-reactive.yaml']) {
      const blueprint = await loadBlueprint(path.join(root, file));
      const { deployment } = await runSimulation(blueprint, { trace, warmupSeconds: 0 });
      const decisions = (await deployment.knowledge.queryDecisions({ limit: 10_000 })).filter((d) => d.policy !== 'web/autoscaler' && d.inputs.length > 1);
      expect(decisions.length).toBeGreaterThan(0);
      for (const d of decisions) {
        const at = new Set(d.inputs.filter((i) => ['response.time', 'utilization', 'utilization.total', 'servers.active', 'servers.booting'].includes(i.sensor)).map((i) => i.at));
        expect([d.policy, d.at, [...at]]).toEqual([d.policy, d.at, [d.inputs.find((i) => i.sensor === 'response.time')?.at]]);
      }
    }
  });

  it('replays a CSV trace of timestamp,count rows', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => `${i * 60},${600 + (i > 30 ? 1800 : 0)}`).join('\n');
    const blueprint = await loadBlueprint(path.join(root, 'examples/swim/homeostat.yaml'));
    const { report } = await runSimulation(blueprint, { trace: parseCsvTrace(`timestamp,count\n${rows}\n`, 'burst.csv'), warmupSeconds: 0 });
    expect(report.systems[0]?.swim.requests).toBeGreaterThan(60_000);
    expect(report.decisions.byPolicy['web/autoscaler']?.applied).toBeGreaterThan(0);
  });

  it('homeostat simulate prints a report, --json a parseable one, and --chart an SVG', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-'));
    const chart = path.join(dir, 'swim.svg');
    const text = await cli(['simulate', 'examples/swim/swim-reactive.yaml', '--trace', wc98, '--chart', chart]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^simulated 6300 s of wc_day53-r0-105m-l70\.delta in [\d.]+ s \(\d+x real time\), seed 1/);
    expect(text.stdout).toMatch(/web\/swim-reactive\s+\d+/);
    expect(text.stdout).toMatch(/utility \d+\s+late [\d.]+ %\s+optional [\d.]+ %\s+average servers [\d.]+\s+adaptations \d+/);
    const svg = await readFile(chart, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const panel of ['load (req/s)', 'servers (servers)', 'dimmer', 'response time (s)']) expect(svg).toContain(panel);
    const json = await cli(['simulate', 'examples/swim/swim-reactive.yaml', '--trace', wc98, '--json', '--seed', '5']);
    const report = JSON.parse(json.stdout) as { seed: number; systems: Array<{ swim: { utility: number }; elasticity: { timeshareUnder: number } }> };
    expect(report.seed).toBe(5);
    expect(report.systems[0]?.swim.utility).toBeGreaterThan(0);
    expect(report.systems[0]?.elasticity?.timeshareUnder).toBeGreaterThanOrEqual(0);
  }, 60_000);

  it('homeostat simulate --chart to a place it cannot write says so before simulating, and prints no report', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-'));
    const missing = path.join(dir, 'no-such-dir', 'x.svg');
    const intoMissing = await cli(['simulate', 'examples/swim/homeostat.yaml', '--trace', wc98, '--chart', missing]);
    expect(intoMissing.code).toBe(1);
    expect(intoMissing.stderr).toContain(`--chart '${missing}': no such directory '${path.join(dir, 'no-such-dir')}'`);
    // refused before the run: no report, nothing simulated
    expect(intoMissing.stdout).toBe('');
    const intoDirectory = await cli(['simulate', 'examples/swim/homeostat.yaml', '--trace', wc98, '--chart', dir]);
    expect(intoDirectory.code).toBe(1);
    expect(intoDirectory.stderr).toContain(`--chart '${dir}': is a directory`);
    expect(intoDirectory.stdout).toBe('');
  }, 60_000);

  it('homeostat simulate --progress says where the run is on stderr and leaves the report alone', async () => {
    const args = ['simulate', 'examples/swim/homeostat.yaml', '--trace', wc98, '--duration', '1800', '--warmup', '600'];
    const quiet = await cli(args);
    const watched = await cli([...args, '--progress']);
    expect(watched.code).toBe(0);
    // the first line says how long the run took on the wall clock; everything else is the same
    const withoutWallClock = (report: string) => report.replace(/ in [\d.]+ s \(\d+x real time\)/, '');
    expect(withoutWallClock(watched.stdout)).toEqual(withoutWallClock(quiet.stdout));
    const lines = watched.stderr.split('\n').filter((l) => l.startsWith('simulate: '));
    expect(lines.length).toBeGreaterThanOrEqual(10);
    expect(lines.at(-1)).toMatch(/^simulate: 1800 of 1800 simulated s \(100 %\) after \d+\.\d s$/);
    expect(quiet.stderr).not.toMatch(/simulate: /);
  });

  it('says where a bad trace is broken, without a stack trace', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-'));
    const bad = path.join(dir, 'bad.delta');
    await writeFile(bad, '0.5\n0.25\noops\n');
    const result = await cli(['simulate', 'examples/swim/homeostat.yaml', '--trace', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(`${bad}:3: expected a non-negative inter-arrival time in seconds, got 'oops'`);
    const missing = await cli(['simulate', 'examples/swim/homeostat.yaml']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--trace <file>' not specified");
  }, 30_000);
});
