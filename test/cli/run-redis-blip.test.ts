// `homeostat run --redis` started during a short Redis outage: the service waits for Redis (up to the connect
// timeout) and starts, instead of exiting on the first closed connection. The outage is a restart of the test's
// own redis-server: while it is down, a stand-in on its port accepts and closes each connection at once (what a
// client sees from a Redis going away); once the service has met it, the real Redis comes back.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestRedisServer } from '../support/redis-server.js';

const root = path.resolve(import.meta.dirname, '../..');
const blueprint = 'test/grafana/fixtures/observed.yaml';
let redis: TestRedisServer;

beforeAll(async () => {
  redis = await TestRedisServer.start();
}, 20_000);

afterAll(async () => {
  await redis.dispose();
});

function run(args: string[]): ChildProcess {
  return spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Listens on `port` and closes every connection at once; `met` resolves on the first one. */
async function closingStandIn(port: number): Promise<{ met: Promise<void>; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let meet: () => void = () => undefined;
  const met = new Promise<void>((resolve) => (meet = resolve));
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.destroy();
    meet();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return {
    met,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

describe('homeostat run --redis during a Redis restart', () => {
  it('waits for Redis to come back (within the connect timeout) and starts', async () => {
    await redis.stop();
    const standIn = await closingStandIn(redis.port);
    const child = run(['--redis', redis.url]);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    try {
      // the service has tried Redis and had the connection closed on it
      await Promise.race([standIn.met, exited.then(([code]) => Promise.reject(new Error(`exited (${code}) before trying Redis: ${stderr}`)))]);
      await standIn.close();
      await redis.restart();
      const started = new Promise<void>((resolve) => {
        const seen = (): void => {
          if (stdout.includes("running 'observed'")) resolve();
        };
        seen();
        child.stdout?.on('data', seen);
      });
      await Promise.race([started, exited.then(([code]) => Promise.reject(new Error(`exited (${code}) instead of starting: ${stderr}`)))]);
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
