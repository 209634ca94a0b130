// Found by the blueprint mutation fuzz (seed 20261207): web-shop.yaml with its latency guard given no cooldown
// and a maximum of 9999 members hung its simulation at 55 s. The guard's threshold emits on every reading
// above the bound; each resize adds a member whose reading is another one, at the same instant, so the guard
// resized again and again while the virtual clock stood still. It now runs its 10 virtual minutes: the guard's
// plans are rate_limited past the bound of starts per target at one instant.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { MAX_STARTS_PER_TARGET_AT_INSTANT } from '../../src/core/engine/starts-at-instant.js';
import type { Decision, PolicyFault } from '../../src/knowledge/decision.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const FILE = path.resolve(import.meta.dirname, '../../examples/web-shop.yaml');

/** web-shop.yaml with the latency guard's cooldown and maximum changed as the fuzz changed them. */
function withEagerGuard(): string {
  const data = parse(readFileSync(FILE, 'utf8')) as { application: { children: Array<{ policies?: Array<Record<string, unknown> & { config?: Record<string, unknown> }> }> } };
  const guard = data.application.children.flatMap((child) => child.policies ?? []).find((p) => String(p['module'] ?? '').endsWith('latency-guard.ts'));
  if (!guard?.config) throw new Error('web-shop.yaml has no latency guard to change');
  guard['cooldown'] = '0s';
  guard.config['max'] = 9999;
  return stringify(data, { lineWidth: 0 });
}

describe('a blueprint whose policy acts again on its own action at one instant', () => {
  it('runs its 10 virtual minutes: the policy is rate_limited at the instant it would loop, and nothing faults', async () => {
    const blueprint = await parseBlueprint(withEagerGuard(), FILE);
    const stateDir = mkdtempSync(path.join(tmpdir(), 'homeostat-loop-'));
    const clock = new VirtualClock();
    const deployment = await Deployment.create(blueprint, { scheduler: clock, stateDir });
    const decisions: Decision[] = [];
    const faults: PolicyFault[] = [];
    try {
      deployment.engine.decisions$.subscribe((d) => decisions.push(d));
      deployment.engine.faults$.subscribe((f) => faults.push(f));
      deployment.start();
      await clock.advanceBy(10 * 60_000);
      expect(clock.now()).toBe(10 * 60_000);
      const guard = decisions.filter((d) => d.policy.endsWith('/latency-guard'));
      const limited = guard.filter((d) => d.outcome === 'rate_limited');
      expect(limited.length).toBeGreaterThan(0);
      expect(limited[0]?.detail).toContain(`started by ${MAX_STARTS_PER_TARGET_AT_INSTANT} plans of this policy at this instant`);
      // never more than the bound at one instant
      const perInstant = new Map<number, number>();
      for (const d of guard) if (d.outcome === 'applied') perInstant.set(d.at, (perInstant.get(d.at) ?? 0) + 1);
      expect(Math.max(...perInstant.values())).toBeLessThanOrEqual(MAX_STARTS_PER_TARGET_AT_INSTANT);
      expect(faults).toEqual([]);
    } finally {
      await deployment.stop({ graceMs: 0 });
      rmSync(stateDir, { recursive: true, force: true });
    }
  }, 60_000);
});
