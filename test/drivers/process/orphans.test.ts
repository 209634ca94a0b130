import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childrenOf, groupMembers, isRunning } from '../../../src/drivers/process/proc-fs.js';
import { signalGroup } from '../../../src/effectors/kinds/signal-group.js';
import { WORKER, serves, stateDir, waitUntil } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../../..');
const leftovers: number[] = [];
afterEach(() => {
  for (const pid of leftovers.splice(0)) signalGroup(pid, 'SIGKILL');
});

interface Homeostat {
  readonly child: ChildProcess;
  readonly lines: Array<Record<string, unknown>>;
  readonly exited: Promise<number | null>;
}

/** Runs the real CLI on a blueprint with a state directory. */
function homeostat(blueprint: string, state: string): Homeostat {
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint], { cwd: root, env: { ...process.env, HOMEOSTAT_STATE_DIR: state }, stdio: ['ignore', 'pipe', 'pipe'] });
  leftovers.push(child.pid as number);
  const lines: Array<Record<string, unknown>> = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited };
}

const eventsOf = (h: Homeostat, kind: string) => h.lines.filter((l) => (l['process'] as { kind?: string } | undefined)?.kind === kind).map((l) => l['process'] as { entity: string; pid: number });

function writeBlueprint(dir: string, envValue: string): string {
  const file = path.join(dir, 'workers.yaml');
  writeFileSync(file, `name: orphans
application:
  id: app
  children:
    - id: workers
      type: process-group
      config: { initialSize: 3 }
      memberSpec:
        type: process
        config:
          command: ${JSON.stringify(process.execPath)}
          args: [${JSON.stringify(WORKER)}]
          env: { MARK: "${envValue}" }
          health: { http: "http://127.0.0.1:{{port}}/healthz", every: 200ms }
          stopGrace: 3s
`);
  return file;
}

async function startedWorkers(h: Homeostat, kind: 'spawned' | 'adopted'): Promise<number[]> {
  const events = await waitUntil(() => eventsOf(h, kind).length >= 3 && eventsOf(h, kind), 40_000, `3 ${kind} workers`);
  const pids = events.map((e) => e.pid);
  leftovers.push(...pids);
  return pids;
}

describe('no orphans (the real CLI, checked through /proc)', () => {
  it('homeostat stopped with SIGTERM leaves no child behind', async () => {
    const dir = stateDir();
    const h = homeostat(writeBlueprint(dir, 'a'), path.join(dir, 'state'));
    const pids = await startedWorkers(h, 'spawned');
    // its children include the workers (and tsx's esbuild service)
    expect(childrenOf(h.child.pid as number).map((s) => s.pid)).toEqual(expect.arrayContaining(pids));
    h.child.kill('SIGTERM');
    expect(await h.exited).toBe(0);
    for (const pid of pids) {
      expect(isRunning(pid)).toBe(false);
      expect(groupMembers(pid)).toEqual([]);
    }
    expect(childrenOf(h.child.pid as number)).toEqual([]);
    expect(readdirSync(path.join(dir, 'state', 'pids'))).toEqual([]);
    expect(existsSync(path.join(dir, 'state', 'homeostat.pid'))).toBe(false);
  }, 60_000);

  it('after SIGKILL the next start adopts what is still running from the same spec, and says so', async () => {
    const dir = stateDir();
    const blueprint = writeBlueprint(dir, 'a');
    const first = homeostat(blueprint, path.join(dir, 'state'));
    const pids = await startedWorkers(first, 'spawned');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(pids.every((pid) => isRunning(pid))).toBe(true);
    const second = homeostat(blueprint, path.join(dir, 'state'));
    const adopted = await startedWorkers(second, 'adopted');
    expect([...adopted].sort()).toEqual([...pids].sort());
    expect(eventsOf(second, 'spawned')).toEqual([]);
    expect(second.lines.some((l) => String(l['msg']).includes('adopted process'))).toBe(true);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  }, 90_000);

  it('after SIGKILL, processes from a changed spec are cleaned and started afresh', async () => {
    const dir = stateDir();
    const first = homeostat(writeBlueprint(dir, 'a'), path.join(dir, 'state'));
    const pids = await startedWorkers(first, 'spawned');
    first.child.kill('SIGKILL');
    await first.exited;
    const second = homeostat(writeBlueprint(dir, 'b'), path.join(dir, 'state'));
    const fresh = await startedWorkers(second, 'spawned');
    expect(eventsOf(second, 'cleaned').map((e) => e.pid).sort()).toEqual([...pids].sort());
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
    expect(fresh.every((pid) => !pids.includes(pid) && isRunning(pid))).toBe(true);
    await waitUntil(async () => (await Promise.all(fresh.map((pid) => serves(`http://127.0.0.1:${portOf(pid)}/healthz`)))).every(Boolean), 20_000, 'fresh workers serving');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    for (const pid of fresh) expect(isRunning(pid)).toBe(false);
  }, 90_000);
});

/** The PORT a worker was started with, from /proc. */
function portOf(pid: number): string {
  const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
  return /(?:^|\0)PORT=(\d+)/.exec(env)?.[1] ?? '0';
}
