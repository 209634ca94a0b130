import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import { formatReport, unscoredReason } from '../../src/sim/report.js';
import { MAX_SIMULATED_SECONDS, MAX_TRACE_ARRIVALS, checkSimulatedSpan } from '../../src/sim/simulation-limits.js';
import { parseCsvTrace, parseDeltaTrace } from '../../src/sim/trace.js';

const root = path.resolve(import.meta.dirname, '../..');
const swim = path.join(root, 'examples/swim/homeostat.yaml');
/** A trace of `seconds` with one arrival every 0.1 s. */
const steady = (seconds: number) => parseDeltaTrace(`${'0.1\n'.repeat(seconds * 10)}`, 'steady.delta');

describe('what a simulation refuses, and where it says so', () => {
  it('a trace whose times pass 366 days, at the line where they do (it used to run for ever)', () => {
    expect(() => parseDeltaTrace('0.5\n1e308\n', 'huge.delta')).toThrow(/^huge\.delta:2: the trace reaches 1e\+308 s here, past what one simulation runs \(at most 31,622,400 s, 366 days\)/);
    expect(() => parseCsvTrace('0,5\n60,5\n31622401,5\n', 'long.csv')).toThrow(/^long\.csv:3: the trace reaches 31622401 s here/);
    expect(parseCsvTrace(`0,1\n${MAX_SIMULATED_SECONDS - 1},1\n`).arrivals).toHaveLength(2);
  });

  it('a trace with more arrivals than the simulator replays, at the row that passes the bound (it used to crash V8)', () => {
    expect(() => parseCsvTrace('timestamp,count\n0,5\n60,1000000000000\n', 'big.csv')).toThrow(/^big\.csv:3: the trace holds more than 20,000,000 arrivals by here/);
    expect(() => parseCsvTrace(`0,${MAX_TRACE_ARRIVALS}\n60,1\n`, 'edge.csv')).toThrow(/^edge\.csv:2: /);
  });

  it('spreads CSV counts into arrival times as before (one typed array, no growing list)', () => {
    const trace = parseCsvTrace('0,3\n10,0\n20,1\n');
    expect([...trace.arrivals]).toEqual([10 / 6, 5, 50 / 6, 25]);
    expect(trace.durationSeconds).toBe(30);
  });

  it('checks the span: every value it refuses is named with what would do', () => {
    const base = { durationSeconds: 1020, durationGiven: false, traceSeconds: 1000, warmupSeconds: 0 };
    expect(() => checkSimulatedSpan(base)).not.toThrow();
    expect(() => checkSimulatedSpan({ ...base, durationSeconds: 0, durationGiven: true })).toThrow('the simulated length (--duration 0 s) must be a positive number of seconds');
    expect(() => checkSimulatedSpan({ ...base, durationSeconds: Number.NaN, durationGiven: true })).toThrow('must be a positive number of seconds');
    expect(() => checkSimulatedSpan({ ...base, durationSeconds: 1e300, durationGiven: true })).toThrow('is past what one simulation runs: at most 31,622,400 s (366 days)');
    expect(() => checkSimulatedSpan({ ...base, warmupSeconds: -1 })).toThrow('the warm-up must be 0 or more seconds, got -1');
    expect(() => checkSimulatedSpan({ ...base, warmupSeconds: Number.POSITIVE_INFINITY })).toThrow('the warm-up must be 0 or more seconds, got Infinity');
    expect(() => checkSimulatedSpan({ ...base, traceSeconds: 0, durationSeconds: 0 })).toThrow("the trace's length (0 s) must be a positive number of seconds: its arrivals all fall at one instant");
  });

  it('says why nothing is scored, and what would score a period', () => {
    expect(unscoredReason(30, 0, 60)).toBe('The 30 s simulated hold no whole 60-s period: use a longer trace, or --duration 60 or more.');
    expect(unscoredReason(120, 900, 60)).toMatch(/^Every 60-s period of the 120 s simulated starts before the end of the 900 s warm-up: pass --warmup 60 or less/);
  });

  it('runs a trace shorter than the warm-up, and its report says nothing was scored instead of printing zeros', async () => {
    const blueprint = await loadBlueprint(swim);
    const { report } = await runSimulation(blueprint, { trace: steady(100) });
    expect(report.simulatedSeconds).toBe(120);
    expect(report.systems[0]).toMatchObject({ scoredPeriods: 0, periodSeconds: 60 });
    expect(report.timeline.length).toBeGreaterThan(0);
    const text = formatReport(report);
    expect(text).toContain('web: nothing scored. Every 60-s period of the 120 s simulated starts before the end of the 900 s warm-up: pass --warmup 60 or less');
    expect(text).not.toContain('utility 0');
    const scored = await runSimulation(blueprint, { trace: steady(100), warmupSeconds: 60 });
    expect(scored.report.systems[0]?.scoredPeriods).toBe(1);
    expect(scored.report.systems[0]?.swim.requests).toBeGreaterThan(0);
  });

  it('a trace shorter than a period still simulates one whole period (it used to fail inside the elasticity metrics)', async () => {
    const blueprint = await loadBlueprint(swim);
    const { report } = await runSimulation(blueprint, { trace: parseDeltaTrace('0.1\n0.2\n', 'short.delta'), warmupSeconds: 0 });
    expect(report.simulatedSeconds).toBe(60);
    expect(report.systems[0]?.scoredPeriods).toBe(1);
    const cut = await runSimulation(blueprint, { trace: steady(100), durationSeconds: 30, warmupSeconds: 0 });
    expect(cut.report.systems[0]).toMatchObject({ scoredPeriods: 0, elasticity: null });
    expect(formatReport(cut.report)).toContain('web: nothing scored. The 30 s simulated hold no whole 60-s period');
  });

  it('runSimulation refuses a length past 366 days before simulating anything', async () => {
    const blueprint = await loadBlueprint(swim);
    await expect(runSimulation(blueprint, { trace: steady(100), durationSeconds: 1e300 })).rejects.toMatchObject({ code: 'E_SIMULATION_SPAN' });
  });
});
