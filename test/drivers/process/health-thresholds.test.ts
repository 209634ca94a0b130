// A real process whose health check fails on demand: service.up follows the thresholds, counted in checks,
// not in time. Two failed checks in a row (under failureThreshold 3) leave it up; three take it down, and with
// successThreshold 2 it comes back after the second passed check. Each turn is reported.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import { deploy, waitUntil } from './helpers.js';

const FLAKY = path.resolve(import.meta.dirname, 'fixtures/flaky-health.mjs');
const running: Deployment[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

const get = async (url: string): Promise<string> => (await fetch(url, { signal: AbortSignal.timeout(5_000) })).text();

describe('process health checks: failureThreshold and successThreshold', () => {
  it('goes down only after failureThreshold failed checks in a row, and up after successThreshold passed ones', async () => {
    const config = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FLAKY)}], health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms, failureThreshold: 3, successThreshold: 2 } }`;
    const { deployment, events } = await deploy(`name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: ${config}\n`);
    running.push(deployment);
    const svc = deployment.tree.get('svc');
    // one entry per check: the failures in a row and the verdict it led to (published just before the count)
    const checks: string[] = [];
    svc.sensor<number>('process.health.failures').readings$.subscribe((o) => checks.push(`${o.value}:${svc.sensor<boolean>('service.up').current?.value ? 'up' : 'down'}`));
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up');
    const pid = svc.sensor<number>('process.pid').value;
    const base = `http://127.0.0.1:${svc.sensor<number>('process.port').value}`;
    const upFrom = checks.lastIndexOf('0:up');

    await get(`${base}/fail/2`);
    await waitUntil(async () => (await get(`${base}/failed`)) === '2' && checks.at(-1) === '0:up', 10_000, 'two failed checks, then a passed one');
    await get(`${base}/fail/3`);
    await waitUntil(() => events.some((e) => e.kind === 'healthy'), 10_000, 'up again');

    const turns = checks.slice(upFrom).filter((c, i, all) => i === 0 || all[i - 1] !== c);
    expect(turns).toEqual(['0:up', '1:up', '2:up', '0:up', '1:up', '2:up', '3:down', '0:down', '0:up']);
    expect(await get(`${base}/failed`)).toBe('5');
    const reported = events.filter((e) => e.entity === 'svc' && (e.kind === 'unhealthy' || e.kind === 'healthy'));
    expect(reported.map((e) => e.kind)).toEqual(['unhealthy', 'healthy']);
    expect(reported[0]?.message).toContain('3 health checks failed in a row');
    // a health verdict is not a restart: the same process throughout
    expect(svc.sensor<number>('process.pid').value).toBe(pid);
    expect(svc.state).toBe('running');
  }, 30_000);

  it('a process that hangs while it starts is failed at its startTimeout: the restarter restarts it, then gives up and escalates', async () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'homeostat-hang-'));
    const hangFile = path.join(scratch, 'hang');
    const config = `{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(FLAKY)}], env: { HANG_FILE: ${JSON.stringify(hangFile)} }, health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms, failureThreshold: 2, startTimeout: 1s } }`;
    const policies = '      policies:\n        - use: restarter\n          config: { recheckInterval: 300ms, maxBackoff: 1s, maxRestarts: 2, window: 1m }\n';
    const { deployment, events } = await deploy(`name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: ${config}\n${policies}`);
    running.push(deployment);
    const decisions: Decision[] = [];
    deployment.engine.decisions$.subscribe((d) => decisions.push(d));
    const svc = deployment.tree.get('svc');
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up');
    // from now on every new process of svc hangs while it starts; the running one goes down
    writeFileSync(hangFile, '');
    await get(`http://127.0.0.1:${svc.sensor<number>('process.port').value}/fail/1000`);
    await waitUntil(() => decisions.find((d) => d.policyName === 'restarter' && d.actions[0]?.effector === 'escalate'), 20_000, 'the restarter giving up').catch((e: unknown) => { throw new Error(`${String(e)}\n${JSON.stringify(decisions.map((d) => [d.at, d.symptom.kind, d.outcome, d.reason]))}\n${JSON.stringify(events.map((x) => [x.kind, x.message]))}\nstate ${svc.state}`); });

    const restarts = decisions.filter((d) => d.policyName === 'restarter' && d.actions[0]?.effector === 'restart');
    expect(restarts.map((d) => d.outcome)).toEqual(['applied', 'applied']);
    const gaveUp = decisions.find((d) => d.actions[0]?.effector === 'escalate');
    expect(gaveUp?.reason).toMatch(/^svc is down: 2 restarts .*did not (keep|bring) it up; giving up and escalating to app$/);
    // each restarted process was failed at its start timeout, and said so
    const late = events.filter((e) => e.kind === 'unhealthy' && e.message.includes('did not pass its health check within 1 s of starting'));
    expect(late.length).toBe(2);
    expect(new Set(late.map((e) => e.pid)).size).toBe(2);
    expect(svc.state).toBe('on-fire');
    expect(svc.sensor('service.up').value).toBe(false);
    rmSync(scratch, { recursive: true, force: true });
  }, 40_000);

  it('validate refuses a threshold below one, saying where', async () => {
    const { parseBlueprint } = await import('../../../src/blueprint/load.js');
    const text = 'name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: { command: node, health: { tcp: true, failureThreshold: 0 } }\n';
    const error = await parseBlueprint(text, 'p.yaml').catch((e: unknown) => e as { problems: Array<{ line: number; message: string; path?: string }> });
    expect(JSON.stringify(error)).toMatch(/failureThreshold/);
    expect((error as { problems: Array<{ line: number }> }).problems[0]?.line).toBe(7);
  });
});
