import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Entity } from '../../../src/core/entity.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { deploy, waitUntil } from './helpers.js';

const SERVICE = path.resolve(import.meta.dirname, '../../../examples/progressive/service.mjs');
const running: Deployment[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

/** Three real service processes; each member's error ratio comes from the file it writes, through an exec feed. */
async function services() {
  const rates = mkdtempSync(path.join(os.tmpdir(), 'hs-rates-'));
  const { deployment } = await deploy(`name: progressive
application:
  id: app
  children:
    - id: services
      type: process-group
      config: { initialSize: 3 }
      memberSpec:
        type: process
        config:
          command: ${JSON.stringify(process.execPath)}
          args: [${JSON.stringify(SERVICE)}]
          env: { WORKER_VERSION: "{{version}}", RATE_DIR: ${JSON.stringify(rates)} }
          health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms }
          stopGrace: 2s
        sensors:
          - { name: http.errors.rate, staleAfter: 5s }
        feeds:
          - { kind: exec, argv: [cat, "${rates}/{{id}}.rate"], every: 300ms, sensor: http.errors.rate }
`);
  running.push(deployment);
  const group = deployment.tree.get('services');
  const up = (m: Entity) => m.sensor<boolean>('service.up').value === true && m.sensor('http.errors.rate').value !== undefined;
  await waitUntil(() => group.members.length === 3 && group.members.every(up), 20_000, 'three services up and measured');
  const pid = (m: Entity) => m.sensor<number>('process.pid').value as number;
  const environVersion = (m: Entity) => /(?:^|\0)WORKER_VERSION=([^\0]*)/.exec(readFileSync(`/proc/${pid(m)}/environ`, 'utf8'))?.[1];
  const canary = (version: string) =>
    deployment.engine.invoker.invoke(group, 'canary', { version, steps: [{ weight: 33, pause: '4s' }], checks: [{ sensor: 'http.errors.rate', max: 0.05, maxAboveBaseline: 0.02, minSamples: 3 }], healthTimeout: 15_000 }, { caller: { kind: 'person', name: 'test' } });
  const decisions = async () => (await deployment.knowledge.queryDecisions({ limit: 100 })).filter((d) => d.policy === 'services/canary').reverse();
  return { deployment, group, pid, environVersion, canary, decisions };
}

describe('canary on real processes', () => {
  it('a deliberately bad version fails its analysis on real error rates and is rolled back; the baseline is never touched', async () => {
    const { group, pid, environVersion, canary, decisions } = await services();
    const [first, ...rest] = group.members as [Entity, ...Entity[]];
    const baselinePids = rest.map(pid);
    const firstPid = pid(first);
    await expect(canary('bad')).rejects.toThrow(/canary aborted at step 1: analysis failed: http\.errors\.rate: 0\.\d+ <= max 0\.05 FAILED.*rolled back services-1/);
    expect(isRunning(firstPid)).toBe(false); // the canary ran as a new process, and was replaced again
    expect(environVersion(first)).toBe('1');
    expect(rest.map(pid)).toEqual(baselinePids);
    expect(group.members.map((m) => m.sensor('version').value)).toEqual(['1', '1', '1']);
    const records = await decisions();
    expect(records.map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['canary.step failed', 'canary.rollback applied']);
    const step = records[0]?.symptom.detail as { checks: Array<{ canary: { value: number; samples: number }; baseline: { value: number } }> };
    expect(step.checks[0]?.canary.value).toBeGreaterThan(0.2); // a third of the bad version's answers are 500s
    expect(step.checks[0]?.baseline.value).toBe(0);
  }, 60_000);

  it('a good version passes and is promoted to every member', async () => {
    const { group, environVersion, canary, decisions } = await services();
    await expect(canary('2')).resolves.toMatchObject({ promoted: ['services-1', 'services-2', 'services-3'] });
    expect(group.members.map((m) => environVersion(m))).toEqual(['2', '2', '2']);
    expect((await decisions()).map((d) => `${d.symptom.kind} ${d.outcome}`)).toEqual(['canary.step applied', 'canary.promoted applied']);
  }, 60_000);
});
