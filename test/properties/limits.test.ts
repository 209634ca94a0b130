import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/sim/trace.js';
import { runCase } from './check-run.js';
import { TRACE } from './schedules.js';
import { generatedTarget, ROOT } from './targets.js';

describe('the limits property', () => {
  it('does not count plans the end of a run failed before they started as runs inside the cooldown', async () => {
    // a site lost at 222 s: three members escalate at 323 s, the replacer (cooldown 10 s) replaces one; the run
    // ends at 360 s with the other two still waiting, failed by the stop (E_ENGINE_STOPPED), never started
    const target = generatedTarget({ sites: 1, members: 3, replicas: 2, bootTime: 12, recheck: 12, maxRestarts: 3, budget: false, cooldown: 10 });
    const outcome = await runCase({ target, events: [{ kind: 'fail', entity: 'site-a', at: 222 }] }, await readTrace(path.join(ROOT, TRACE)));
    expect(outcome.timeline?.filter((d) => /^360 web-a\/replacer failed /.test(d))).toHaveLength(2);
    expect(outcome.violations.limits).toEqual([]);
  }, 30_000);
});
