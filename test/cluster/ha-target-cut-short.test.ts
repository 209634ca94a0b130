// A test body vitest timed out goes on running after its afterAll cleaned up: the chaos test's helpers must then
// start nothing (an instance, a Redis restart) that nobody would stop, and kill what they started meanwhile.
import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { TestRedisServer } from '../support/redis-server.js';
import { startInstance, tickerBlueprint } from './ha-target.js';

const spawned: ChildProcess[] = [];
afterEach(() => {
  // a failed assertion leaves no process behind (ended by PID)
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  spawned.length = 0;
});

/** Resolves with how the child ended. */
function ended(child: ChildProcess): Promise<NodeJS.Signals | number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.signalCode ?? child.exitCode);
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
}

it('startInstance starts nothing once the test was cut short', async () => {
  const cutShort = new AbortController();
  cutShort.abort();
  const children = new Set<ChildProcess>();
  await expect(startInstance(await tickerBlueprint(1), 'redis://127.0.0.1:1', [], children, cutShort.signal)).rejects.toThrow(/not starting an instance on port \d+: the test was cut short and cleaned up/);
  expect(children.size).toBe(0);
});

it('an instance started before the cut is killed when it comes', async () => {
  const cutShort = new AbortController();
  const instance = await startInstance(await tickerBlueprint(1), 'redis://127.0.0.1:1', [], undefined, cutShort.signal);
  spawned.push(instance.child);
  cutShort.abort(); // long before the process could end by itself (it has not even loaded)
  expect(await ended(instance.child)).toBe('SIGKILL');
});

/** True while a process of that PID runs. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('a disposed Redis is not restarted', async () => {
  const redis = await TestRedisServer.start();
  const pid = redis.pid as number;
  await redis.dispose();
  await expect(redis.restart()).rejects.toThrow(`redis-server on port ${redis.port} is not restarted: it was disposed`);
  expect(redis.pid).toBeUndefined();
  expect(alive(pid)).toBe(false);
});

it('a Redis disposed while it restarted leaves no server running', async () => {
  const redis = await TestRedisServer.start();
  const first = redis.pid as number;
  const restarting = redis.restart().then(() => 'restarted', (error: unknown) => String(error));
  // the new server is spawned (it may or may not accept connections yet) when the cleanup runs
  while (redis.pid === undefined || redis.pid === first) await new Promise((resolve) => setTimeout(resolve, 1));
  const second = redis.pid;
  await redis.dispose();
  expect(['restarted', `Error: redis-server on port ${redis.port} was disposed while it started, and is stopped`]).toContain(await restarting);
  expect(alive(first)).toBe(false);
  expect(alive(second)).toBe(false);
  expect(redis.pid).toBeUndefined();
});
