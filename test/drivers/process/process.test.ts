import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { WORKER, deploy, serves, waitUntil } from './helpers.js';

const running: Deployment[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.stop();
});

async function one(config: string) {
  const result = await deploy(`name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: ${config}\n`);
  running.push(result.deployment);
  return { ...result, svc: result.deployment.tree.get('svc') };
}

const invoke = (d: Deployment, effector: string, params: unknown = {}) => d.engine.invoker.invoke(d.tree.get('svc'), effector, params, { caller: { kind: 'person', name: 'test' } });

describe('entity type process (real OS processes)', () => {
  it('runs the command with its port, reports up from the health check, pid, CPU and RSS from /proc, and logs to files', async () => {
    const { svc, stateDir } = await one(`{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(WORKER)}], env: { WORK_ROUNDS: "20000" }, health: { http: "http://127.0.0.1:{{port}}/healthz", every: 100ms }, sampleEvery: 200ms }`);
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up');
    expect(svc.state).toBe('running');
    const pid = svc.sensor<number>('process.pid').value as number;
    const port = svc.sensor<number>('process.port').value as number;
    expect(isRunning(pid)).toBe(true);
    expect(await serves(`http://127.0.0.1:${port}/healthz`)).toBe(true);
    const busy = Array.from({ length: 8 }, () => fetch(`http://127.0.0.1:${port}/`).then((r) => r.text()));
    await Promise.all(busy);
    const rss = await waitUntil(() => svc.sensor<number>('process.rss').value, 5_000, 'rss');
    expect(rss).toBeGreaterThan(5 * 1024 * 1024);
    const cpu = await waitUntil(() => svc.sensor<number>('process.cpu').value !== undefined && svc.sensor<number>('process.cpu').value, 5_000, 'cpu');
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(readFileSync(path.join(stateDir, 'logs', 'svc.out.log'), 'utf8')).toContain(`listening on 127.0.0.1:${port} (pid ${pid})`);
    expect(JSON.parse(readFileSync(path.join(stateDir, 'pids', 'svc.json'), 'utf8'))).toMatchObject({ entity: 'svc', pid, port });
  });

  it('stop sends SIGTERM; a process that handles it exits, and nothing is left behind', async () => {
    const { svc, deployment, stateDir } = await one(`{ command: ${JSON.stringify(process.execPath)}, args: [${JSON.stringify(WORKER)}], health: { tcp: true, every: 100ms } }`);
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up');
    const pid = svc.sensor<number>('process.pid').value as number;
    await expect(invoke(deployment, 'stop')).resolves.toMatchObject({ stopped: pid, how: 'terminated' });
    expect(isRunning(pid)).toBe(false);
    expect(svc.state).toBe('stopped');
    expect(svc.sensor('service.up').value).toBe(false);
    expect(svc.sensor('process.exit.code').value).toBe(0);
    expect(existsSync(path.join(stateDir, 'pids', 'svc.json'))).toBe(false);
    await expect(invoke(deployment, 'start')).resolves.toMatchObject({ pid: expect.any(Number) });
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up again');
  });

  it('a process that ignores SIGTERM is killed with SIGKILL after the grace', async () => {
    const script = "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('handler ready'); setInterval(() => {}, 1000)";
    const { svc, deployment, stateDir } = await one(`{ command: ${JSON.stringify(process.execPath)}, args: ["-e", ${JSON.stringify(script)}], stopGrace: 800ms }`);
    await waitUntil(() => svc.sensor<boolean>('service.up').value, 10_000, 'up');
    const pid = svc.sensor<number>('process.pid').value as number;
    const log = path.join(stateDir, 'logs', 'svc.out.log');
    await waitUntil(() => existsSync(log) && readFileSync(log, 'utf8').includes('handler ready'), 10_000, 'the SIGTERM handler');
    const started = performance.now();
    await expect(invoke(deployment, 'stop')).resolves.toMatchObject({ stopped: pid, how: 'killed' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(elapsed).toBeLessThan(5_000);
    expect(isRunning(pid)).toBe(false);
    expect(svc.sensor('process.exit.signal').value).toBe('SIGKILL');
    expect(readFileSync(log, 'utf8')).toContain('ignoring SIGTERM');
  });

  it('a process that exits on its own is on-fire with its exit code; restart brings it back', async () => {
    const { svc, deployment, events } = await one(`{ command: ${JSON.stringify(process.execPath)}, args: ["-e", "setTimeout(() => process.exit(7), 300)"] }`);
    await waitUntil(() => svc.state === 'on-fire', 10_000, 'on-fire');
    expect(svc.sensor('service.up').value).toBe(false);
    expect(svc.sensor('process.exit.code').value).toBe(7);
    expect(events.some((e) => e.kind === 'exited' && e.message.includes('exited with 7'))).toBe(true);
    await invoke(deployment, 'restart');
    expect(svc.sensor('process.restarts').value).toBe(1);
    expect(svc.sensor('service.up').value).toBe(true);
  });

  it('a command that cannot start is on-fire with the reason, and the loop goes on', async () => {
    const { svc, events } = await one('{ command: /nonexistent/program }');
    await waitUntil(() => svc.state === 'on-fire', 10_000, 'on-fire');
    expect(events.find((e) => e.entity === 'svc')?.message).toContain('cannot start /nonexistent/program: ENOENT');
  });

  it('validate checks the config: unknown template names, args not a list, a health check with neither kind', async () => {
    const { parseBlueprint } = await import('../../../src/blueprint/load.js');
    const error = await parseBlueprint('name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config:\n        command: "run-{{nope}}"\n        args: "--port 1"\n        health: { every: 1s }\n', 'p.yaml').catch((e: unknown) => e as { problems: Array<{ line: number; message: string }> });
    const messages = (error as { problems: Array<{ line: number; message: string }> }).problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toContain("8: command: unknown template name '{{nope}}' (a process template may use {{id}}, {{index}}, {{port}}, {{version}})");
    expect(messages).toContain('9: args: args is a list: one item per argument');
    expect(messages.some((m) => m.startsWith('10: ') && m.includes("exactly one of 'http'"))).toBe(true);
    const group = await parseBlueprint('name: p\napplication:\n  id: app\n  children:\n    - id: g\n      type: process-group\n      memberSpec:\n        type: sim.server\n', 'p.yaml').catch((e: unknown) => e as { problems: Array<{ line: number; col: number; message: string }> });
    expect((group as { problems: Array<{ line: number; col: number; message: string }> }).problems).toContainEqual({ file: 'p.yaml', line: 8, col: 15, message: "the members of a 'process-group' are of type 'process', not 'sim.server'" });
  });
});

describe('what a previous run left behind (pid files in the state directory)', () => {
  it('a process whose entity is no longer in the blueprint is cleaned, and said so', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { readProcStat } = await import('../../../src/drivers/process/proc-fs.js');
    const { stateDir } = await import('./helpers.js');
    const dir = stateDir();
    const stray = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
    const pid = stray.pid as number;
    await waitUntil(() => readProcStat(pid), 5_000, 'the stray process');
    mkdirSync(path.join(dir, 'pids'), { recursive: true });
    writeFileSync(path.join(dir, 'pids', 'old-svc.json'), JSON.stringify({ entity: 'old-svc', version: '1', pid, startTicks: readProcStat(pid)?.startTicks, hash: 'x', command: 'node', startedAt: 0 }));
    const { deployment, events } = await deploy(`name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "setInterval(() => {}, 1000)"], stopGrace: 1s }\n`, dir);
    running.push(deployment);
    await waitUntil(() => events.find((e) => e.kind === 'cleaned'), 10_000, 'the cleaning');
    expect(events.find((e) => e.kind === 'cleaned')?.message).toContain(`old-svc: stopped process ${pid} left by a previous run (its entity is no longer in the blueprint`);
    await waitUntil(() => !isRunning(pid), 5_000, 'the stray stopped');
    expect(existsSync(path.join(dir, 'pids', 'old-svc.json'))).toBe(false);
  });

  it('a pid file whose process is another one now (the pid was reused) is not adopted or killed', async () => {
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const { stateDir } = await import('./helpers.js');
    const dir = stateDir();
    mkdirSync(path.join(dir, 'pids'), { recursive: true });
    // our own pid with a wrong start time: a process that is not the one the file names
    writeFileSync(path.join(dir, 'pids', 'svc.json'), JSON.stringify({ entity: 'svc', version: '1', pid: process.pid, startTicks: 1, hash: 'x', command: 'node', startedAt: 0 }));
    const { deployment, events } = await deploy(`name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "setInterval(() => {}, 1000)"] }\n`, dir);
    running.push(deployment);
    await waitUntil(() => events.find((e) => e.kind === 'spawned'), 10_000, 'a fresh start');
    expect(events[0]).toMatchObject({ kind: 'gone', entity: 'svc', pid: process.pid });
  });

  it('a second deployment on the same state directory is refused while the first runs', async () => {
    const { Deployment } = await import('../../../src/blueprint/deployment.js');
    const { parseBlueprint } = await import('../../../src/blueprint/load.js');
    const text = `name: p\napplication:\n  id: app\n  children:\n    - id: svc\n      type: process\n      config: { command: ${JSON.stringify(process.execPath)}, args: ["-e", "setInterval(() => {}, 1000)"] }\n`;
    const first = await deploy(text);
    running.push(first.deployment);
    const second = await Deployment.create(await parseBlueprint(text, 'p.yaml'), { stateDir: first.stateDir });
    expect(() => second.start()).toThrow(/another homeostat \(pid \d+\) manages the processes of/);
    await second.stop();
  });
});
