import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import { runSimulation } from '../../src/sim/run-simulation.js';
import type { FaultEvent } from '../../src/sim/fault-schedule.js';
import { readTrace, type ArrivalTrace } from '../../src/sim/trace.js';
import { failedAt, runCase } from './check-run.js';
import { LivenessMonitor } from './liveness.js';
import { observeRun } from './probe.js';
import { TRACE } from './schedules.js';
import { blueprintOf, generatedTarget, ROOT } from './targets.js';

/**
 * A site lost for 25 s: every member's restarter restarts it twice while the site is down, which spends the
 * web cluster's action budget (6 per 5 min); from then on each member's plans are rate-limited until the
 * budget frees at about 320 s. The restarter keeps planning every 30 s, and those plans are coalesced into
 * one `rate_limited` record per member (first `at` 109 s, `lastAt` moving on).
 */
const target = generatedTarget({ sites: 1, members: 3, replicas: 1, bootTime: 8, recheck: 12, maxRestarts: 2, budget: true, cooldown: 10 });
const events: FaultEvent[] = [
  { kind: 'fail', entity: 'site-a', at: 8 },
  { kind: 'recover', entity: 'site-a', at: 33 },
];

let trace: ArrivalTrace;
beforeAll(async () => {
  trace = await readTrace(path.join(ROOT, TRACE));
});

describe('bounded recovery sees plans held by a budget for as long as they are held', () => {
  it('members kept down by a spent action budget are not reported: the coalesced rate_limited records cover the whole wait', async () => {
    const outcome = await runCase({ target, events }, trace);
    expect(outcome.timeline?.filter((d) => /^\d+ web-a-1\/restarter rate_limited /.test(d)).length).toBeGreaterThan(0);
    expect(outcome.timeline?.some((d) => /^3\d\d web-a-1\/restarter applied restart\(web-a-1\)/.test(d))).toBe(true);
    expect(outcome.violations['bounded-recovery']).toEqual([]);
  }, 30_000);

  it('the same wait is reported when the monitor sees only the first plan of each held run (nothing holds the member after it)', async () => {
    const sorted = [...events].sort((a, b) => a.at - b.at);
    const observed = observeRun();
    const all: Decision[] = [];
    const firstOnly: Decision[] = [];
    let full: LivenessMonitor | undefined;
    let partial: LivenessMonitor | undefined;
    await runSimulation(await blueprintOf(target), {
      trace,
      durationSeconds: target.durationSeconds,
      faults: events,
      onDeploy: (d) => {
        d.engine.decisions$.subscribe((decision) => {
          all.push(decision);
          if ((decision.count ?? 1) === 1) firstOnly.push(decision);
        });
        full = new LivenessMonitor(d, observed, all, (s) => failedAt(sorted, s), sorted);
        partial = new LivenessMonitor(d, observed, firstOnly, (s) => failedAt(sorted, s), sorted);
      },
      onStep: () => {
        full?.check();
        partial?.check();
      },
    });
    expect(all.some((d) => d.outcome === 'rate_limited' && (d.count ?? 1) > 1 && d.lastAt !== undefined && d.lastAt > d.at)).toBe(true);
    expect(full?.violations).toEqual([]);
    expect(partial?.violations).toEqual(expect.arrayContaining([expect.stringMatching(/^web-a-1 of web-a stayed down, neither restarted nor replaced from 1\d\d s /)]));
  }, 30_000);
});
