// Starting a Redis process of a test's own on a port picked free: the port can be taken by another test's
// process before this one binds it (then the start moves to another port instead of waiting on a process that
// is gone, or on a server that is not its own), and a process that cannot start is named with its log.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { deadlineIn, killProcess, redisCli, startRedisProcess, type RedisProcess } from './redis-process.js';
import { TestRedisServer } from './redis-server.js';

let dir: string;
const started: RedisProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-redis-process-'));
});

afterAll(async () => {
  await Promise.all(started.map((p) => killProcess(p.child)));
  await rm(dir, { recursive: true, force: true });
});

const redisServer = (port: number): [string, string[]] => ['redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', `dump-${port}.rdb`, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning']];

/** The PIDs of the processes whose command line holds `argument` (from /proc). */
function processesWithArgument(argument: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(argument);
      } catch {
        return false; // ended meanwhile
      }
    })
    .map(Number);
}

/** Hands out `first` ports in order, then free ones. */
function picking(...first: number[]): () => Promise<number> {
  return async () => first.shift() ?? freePort();
}

function listening(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('the server has no port');
  return address.port;
}

describe('startRedisProcess', () => {
  it('starts on another port when the one picked was taken before the process bound it', async () => {
    const squatter = await listening();
    try {
      const redis = await startRedisProcess({ what: 'test Redis', command: redisServer, deadline: deadlineIn(20_000), pickPort: picking(portOf(squatter)) });
      started.push(redis);
      expect(redis.port).not.toBe(portOf(squatter));
      expect(await redisCli(redis.port, 'INFO', 'server')).toContain(`process_id:${redis.child.pid}`);
    } finally {
      squatter.close();
    }
  });

  it('does not take another Redis answering on its port for its own', async () => {
    const other = await TestRedisServer.start();
    try {
      const redis = await startRedisProcess({ what: 'test Redis', command: redisServer, deadline: deadlineIn(20_000), pickPort: picking(other.port) });
      started.push(redis);
      expect(redis.port).not.toBe(other.port);
      expect(await redisCli(redis.port, 'INFO', 'server')).toContain(`process_id:${redis.child.pid}`);
      expect(redis.child.pid).not.toBe(other.pid);
    } finally {
      await other.dispose();
    }
  });

  it('starts a cluster node on another port when its cluster bus port (10000 higher) was taken', async () => {
    const squatter = await listening();
    const busPortTaken = portOf(squatter) - 10_000;
    const clusterNode = (port: number): [string, string[]] => {
      const [program, args] = redisServer(port);
      return [program, [...args, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`]];
    };
    try {
      const node = await startRedisProcess({ what: 'test cluster node', command: clusterNode, deadline: deadlineIn(20_000), pickPort: picking(busPortTaken) });
      started.push(node);
      expect(node.port).not.toBe(busPortTaken);
      expect(await redisCli(node.port, 'INFO', 'cluster')).toContain('cluster_enabled:1');
    } finally {
      squatter.close();
    }
  });

  it('names every port it tried when each was taken', async () => {
    const squatter = await listening();
    const port = portOf(squatter);
    try {
      const start = startRedisProcess({ what: 'test Redis', command: redisServer, deadline: deadlineIn(20_000), pickPort: picking(port, port), attempts: 2 });
      await expect(start).rejects.toThrow(new RegExp(`test Redis did not start: the ports tried were taken before it bound them: ${port} \\(.*already in use.*\\), ${port} \\(`, 'i'));
    } finally {
      squatter.close();
    }
  });

  it('names a process that exits for another reason, with the end of its log', async () => {
    const start = startRedisProcess({ what: 'test Redis', command: (port) => ['redis-server', ['--port', String(port), '--no-such-directive', 'x']], deadline: deadlineIn(20_000) });
    await expect(start).rejects.toThrow(/test Redis on port \d+ exited \(1\) before it answered; its log ends: [\s\S]*no-such-directive/);
  });

  it('gives up at the deadline, naming the process and the budget, and kills it', async () => {
    // a process that never answers, told apart from any other by its argument
    const seconds = `600.${process.pid}${Math.floor(Math.random() * 1e6)}`;
    const start = startRedisProcess({ what: 'a silent process', command: () => ['sleep', [seconds]], deadline: deadlineIn(1_000) });
    await expect(start).rejects.toThrow(/a silent process on port \d+ did not answer within the setup's 1000 ms/);
    expect(processesWithArgument(seconds)).toEqual([]);
  });
});
