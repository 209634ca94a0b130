import { describe, expect, it } from 'vitest';
import { clusterBlueprint, problemsOf } from './problems-of.js';

describe('settings that contradict each other or can never take effect', () => {
  it('refuses a cron expression that never fires', async () => {
    const found = await problemsOf(clusterBlueprint("- use: scheduled-scaler\n  config: { windows: [{ cron: '0 0 30 2 *', duration: 1h, size: 2 }] }"));
    expect(found).toEqual([expect.stringMatching(/^12:39: windows\.0\.cron: this cron expression never fires/)]);
  });

  it('refuses an invalid cron expression, and accepts one that fires once in four years', async () => {
    expect(await problemsOf(clusterBlueprint("- use: scheduled-scaler\n  config: { windows: [{ cron: '61 * * * *', duration: 1h, size: 2 }] }"))).toEqual([expect.stringContaining('not a valid cron expression')]);
    expect(await problemsOf(clusterBlueprint("- use: scheduled-scaler\n  config: { windows: [{ cron: '0 0 29 2 *', duration: 1h, size: 2 }] }"))).toEqual([]);
  });

  it("refuses an autoscaler fallback size outside min..max (it would be applied as is)", async () => {
    const found = await problemsOf(clusterBlueprint('- use: autoscaler\n  config: { metric: group.size, target: 2, basis: total, max: 4, missingData: { fallback: fixed, size: 50 } }'));
    expect(found).toEqual([expect.stringMatching(/missingData\.size: the fallback size 50 is outside min\.\.max \(1\.\.4\)/)]);
  });

  it('refuses a transform enricher whose min exceeds its max', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  sensors: [{ name: load }]
  enrichers:
    - { kind: transform, sensor: load, publish: load.clamped, min: 10, max: 1 }
`);
    expect(found).toEqual([expect.stringMatching(/^7:68: min: min must not exceed max/)]);
  });

  it('refuses a brownout whose low utilization is not below its high one', async () => {
    const found = await problemsOf(`name: t
application:
  id: swim
  type: sim.swim
  policies:
    - use: brownout
      config: { maxSize: 3, high: { responseTime: 1, utilization: 0.5 }, low: { responseTime: 0.5, utilization: 0.8 } }
`);
    expect(found).toEqual([expect.stringContaining('low.utilization must be below high.utilization')]);
  });

  it('refuses a traffic manager that routes to an entity not in the blueprint', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - { id: site-a, type: group }
    - { id: traffic, type: sim.traffic, config: { site: site-b } }
`);
    expect(found).toEqual(["7:57: entity type 'sim.traffic' names entity 'site-b', which is not in this blueprint"]);
  });

  it('refuses an HTTP health feed that is not http or https', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  feeds:
    - { http: { url: 'ftp://example.com/health' } }
`);
    expect(found).toEqual([expect.stringMatching(/^6:22: http\.url: an http:\/\/ or https:\/\/ URL/)]);
  });
});
