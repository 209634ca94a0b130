import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { freePort } from '../../test/support/free-port.js';
import type { TestRedisServer } from '../../test/support/redis-server.js';
import { once, sleep } from './redis-parts.js';
import { traceDeployment } from './trace.js';

/** A failover system under test over three redis-servers (the first the primary). */
export interface SystemUnderTest {
  readonly name: string;
  /** Its failure detection time (ms): faults last 3x this long, and a failover is awaited 30 s beyond 2x it. */
  readonly detectionMs: number;
  start(servers: readonly TestRedisServer[]): Promise<void>;
  /** Port of the primary clients should write to now, as the system tells its clients. */
  resolve(): Promise<number | undefined>;
  stop(): Promise<void>;
}

/**
 * homeostat: a redis-replication-group with the failover policy (failureDelay = the detection time, polls
 * every 100 ms), and a STONITH fence command per server (`kill -KILL <pid>`: these are local processes);
 * clients follow the group's address file.
 */
export function homeostat(detectionMs: number): SystemUnderTest {
  return homeostatWith(`homeostat (failureDelay ${detectionMs} ms)`, detectionMs, {
    node: 'every: 100ms, timeout: 300ms',
    group: `every: 100ms, failureDelay: ${detectionMs}ms`,
    policy: `failureDelay: ${detectionMs}ms, recoveryDelay: 2s, promoteTimeout: 10s, maxLag: 10`,
  });
}

/**
 * homeostat at its defaults: polls every 1 s (500 ms timeout), failureDelay 10 s, maxLag 5, the group's
 * failureDelay 10 s; only the STONITH command (no default exists) and the address file are set.
 */
export function homeostatDefaults(): SystemUnderTest {
  return homeostatWith('homeostat (defaults: failureDelay 10 s, polls every 1 s)', 10_000, { node: '', group: '', policy: '' });
}

function homeostatWith(name: string, detectionMs: number, settings: { node: string; group: string; policy: string }): SystemUnderTest {
  let deployment: Deployment | undefined;
  let dir = '';
  const more = (text: string): string => (text ? `, ${text}` : '');
  return {
    name,
    detectionMs,
    async start(servers) {
      dir = mkdtempSync(path.join(os.tmpdir(), 'bench-hs-'));
      const children = servers.map((s, i) => `        - { id: r${i + 1}, type: redis, config: { port: ${s.port}${more(settings.node)}, fence: { command: [kill, '-KILL', '${s.pid}'] } } }\n`).join('');
      const text = `name: bench\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      config: { addressFile: ${JSON.stringify(path.join(dir, 'primary'))}${more(settings.group)} }\n      children:\n${children}      policies:\n        - use: failover\n          config: { ${settings.policy} }\n`;
      deployment = await Deployment.create(await parseBlueprint(text, path.join(dir, 'blueprint.yaml')), { stateDir: dir });
      deployment.start();
      if (process.env['BENCH_TRACE']) traceDeployment(deployment, ['r1', 'r2', 'r3']);
      const first = `127.0.0.1:${servers[0]?.port}`;
      for (let i = 0; i < 100 && (await this.resolve()) !== servers[0]?.port; i++) await sleep(50);
      if ((await this.resolve()) !== servers[0]?.port) throw new Error(`homeostat did not publish ${first}`);
    },
    async resolve() {
      try {
        const text = readFileSync(path.join(dir, 'primary'), 'utf8').trim();
        const port = Number(text.split(':').pop());
        return text && Number.isInteger(port) ? port : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      await deployment?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Redis Sentinel (Debian's redis-sentinel): three sentinels, quorum 2, `down-after-milliseconds` = the
 * detection time; clients ask a sentinel for the master's address (get-master-addr-by-name) on an error.
 */
export function sentinel(detectionMs: number): SystemUnderTest {
  return sentinelWith(`Redis Sentinel (down-after ${detectionMs} ms)`, detectionMs, [`sentinel down-after-milliseconds m ${detectionMs}`, 'sentinel failover-timeout m 10000', 'sentinel parallel-syncs m 2']);
}

/** Redis Sentinel at its defaults: down-after 30 s, failover-timeout 3 min, parallel-syncs 1 (quorum 2 of 3). */
export function sentinelDefaults(): SystemUnderTest {
  return sentinelWith('Redis Sentinel (defaults: down-after 30 s)', 30_000, []);
}

function sentinelWith(name: string, detectionMs: number, settings: readonly string[]): SystemUnderTest {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  let dir = '';
  let next = 0;
  return {
    name,
    detectionMs,
    async start(servers) {
      dir = mkdtempSync(path.join(os.tmpdir(), 'bench-sentinel-'));
      for (let i = 0; i < 3; i++) {
        const port = await freePort();
        const conf = path.join(dir, `sentinel-${i}.conf`);
        writeFileSync(conf, [`port ${port}`, 'bind 127.0.0.1', 'daemonize no', `dir ${dir}`, `sentinel monitor m 127.0.0.1 ${servers[0]?.port} 2`, ...settings, ''].join('\n'));
        children.push(spawn('redis-sentinel', [conf, '--loglevel', 'warning'], { stdio: 'ignore' }));
        ports.push(port);
      }
      // ready when every sentinel sees both replicas and the two other sentinels (else it cannot fail over)
      for (let i = 0; i < 300; i++) {
        const views = await Promise.all(ports.map((p) => once(p, (c) => c.call('SENTINEL', 'MASTER', 'm') as Promise<string[]>)));
        const ready = views.every((v) => {
          if (!v) return false;
          const field = (k: string): string | undefined => v[v.indexOf(k) + 1];
          return field('num-slaves') === '2' && field('num-other-sentinels') === '2';
        });
        if (ready) return;
        await sleep(100);
      }
      throw new Error('the sentinels did not discover each other and the replicas within 30 s');
    },
    async resolve() {
      for (let i = 0; i < ports.length; i++) {
        const port = ports[(next + i) % ports.length] as number;
        const reply = await once(port, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'm') as Promise<string[] | null>);
        if (reply?.[1]) return Number(reply[1]);
      }
      next += 1;
      return undefined;
    },
    async stop() {
      for (const child of children.splice(0)) {
        const ended = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await ended;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
