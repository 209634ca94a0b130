// http and exec feeds end to end from a blueprint: a real local HTTP server and real processes, virtual time.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';
import { startHttp } from './real-servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function deploy(entity: string) {
  const clock = new VirtualClock();
  const bp = await parseBlueprint(`name: feeds\napplication:\n  id: app\n  children:\n${entity}`, path.resolve('feeds.yaml'));
  const deployment = await Deployment.create(bp, { scheduler: clock });
  deployment.start();
  cleanups.push(() => deployment.stop());
  await clock.settle();
  const health = (sensor: string) => deployment.feeds.health().find((h) => h.sensor === sensor);
  return { clock, deployment, tree: deployment.tree, health };
}

describe('http feed (real local server)', () => {
  it('takes a value by JSON pointer and a metric by name and labels from prom-client output, with auth from env and file', async () => {
    const registry = new Registry();
    const gauge = new Gauge({ name: 'jobs_queued', help: 'queued jobs', labelNames: ['queue'], registers: [registry] });
    gauge.labels('svc').set(12);
    gauge.labels('other').set(99);
    let depth = 3;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-http-feed-'));
    await writeFile(path.join(dir, 'password'), 's3cret-file\n');
    process.env['HOMEOSTAT_TEST_FEED_TOKEN'] = 'tok-from-env';
    const seenAuth: string[] = [];
    const server = await startHttp((req, res) => {
      seenAuth.push(req.headers.authorization ?? '');
      if (req.url === '/stats' && req.headers.authorization === 'Bearer tok-from-env') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ queue: { depth } }));
      if (req.url === '/metrics' && req.headers.authorization === `Basic ${Buffer.from('prom:s3cret-file').toString('base64')}`) {
        void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
        return;
      }
      res.writeHead(401).end();
    });
    cleanups.push(() => server.close());
    const { clock, tree, health } = await deploy(`    - id: svc
      config: { port: ${server.port} }
      sensors: [{ name: queue.depth }, { name: jobs.queued }]
      feeds:
        - { kind: http, sensor: queue.depth, url: "http://127.0.0.1:{{config.port}}/stats", pointer: /queue/depth, every: 10s, jitter: 0, auth: { bearer: { env: HOMEOSTAT_TEST_FEED_TOKEN } } }
        - kind: http
          sensor: jobs.queued
          url: "http://127.0.0.1:{{config.port}}/metrics"
          metric: { name: jobs_queued, labels: { queue: "{{id}}" } }
          every: 10s
          jitter: 0
          auth: { basic: { username: prom, password: { file: ${path.join(dir, 'password')} } } }
`);
    const svc = tree.get('svc');
    await vi.waitFor(() => {
      expect(svc.sensor('queue.depth').value).toBe(3);
      expect(svc.sensor('jobs.queued').value).toBe(12);
    });
    depth = 8;
    gauge.labels('svc').set(13);
    await clock.advanceBy(10_000);
    await vi.waitFor(() => {
      expect(svc.sensor('queue.depth').value).toBe(8);
      expect(svc.sensor('jobs.queued').value).toBe(13);
    });
    // the variable goes away: the poll fails, saying which variable, and nothing is sent without auth
    delete process.env['HOMEOSTAT_TEST_FEED_TOKEN'];
    const requests = seenAuth.length;
    await clock.advanceBy(10_000);
    await vi.waitFor(() => expect(health('queue.depth')?.lastError).toBe('environment variable HOMEOSTAT_TEST_FEED_TOKEN is not set'));
    await vi.waitFor(() => expect(health('jobs.queued')?.polls).toBe(3));
    expect(seenAuth.length).toBe(requests + 1);
    expect(svc.sensor('queue.depth').current?.value).toBe(8);
  });

  it('an error status fails the poll; a slow server times out and is counted; a missing pointer is a missing reading', async () => {
    let mode: 'slow' | 'error' | 'no-field' = 'error';
    const server = await startHttp((_req, res) => {
      if (mode === 'error') return res.writeHead(503).end('busy');
      if (mode === 'no-field') return res.writeHead(200).end('{"other": 1}');
      // slow: answer much later than the timeout (the feed gives up first)
      setTimeout(() => res.writeHead(200).end('{"v": 1}'), 3_000).unref();
    });
    cleanups.push(() => server.close());
    const { clock, tree, health } = await deploy(`    - id: svc
      sensors: [{ name: v }]
      feeds: [{ kind: http, sensor: v, url: "${server.url}/v", pointer: /v, every: 10s, timeout: 1s, jitter: 0 }]
`);
    await vi.waitFor(() => expect(health('v')?.lastError).toBe(`HTTP 503 from 127.0.0.1:${server.port}`));
    mode = 'slow';
    await clock.advanceBy(20_000); // backoff: 2 x every
    await clock.advanceBy(1_000);
    await vi.waitFor(() => expect(health('v')?.lastError).toBe('no answer within 1000 ms'));
    expect(health('v')?.consecutiveFailures).toBe(2);
    mode = 'no-field';
    await clock.advanceBy(40_000);
    await vi.waitFor(() => expect(health('v')?.missing).toBe(1));
    expect(health('v')?.consecutiveFailures).toBe(0);
    expect(tree.get('svc').sensor('v').current).toBeUndefined();
  });

  it('a body that is not JSON, or not an exposition, is a failed poll that names the host', async () => {
    const server = await startHttp((req, res) => res.writeHead(200).end(req.url === '/m' ? 'up{job="a" 1\n' : '<html>oops</html>'));
    cleanups.push(() => server.close());
    const { health } = await deploy(`    - id: svc
      sensors: [{ name: v }, { name: m }, { name: e }]
      feeds:
        - { kind: http, sensor: v, url: "${server.url}/v", pointer: /v, every: 10s, jitter: 0 }
        - { kind: http, sensor: m, url: "${server.url}/m", metric: { name: up }, every: 10s, jitter: 0 }
        - { kind: exec, sensor: e, argv: [echo, "not json"], pointer: /v, every: 10s, jitter: 0 }
`);
    await vi.waitFor(() => {
      expect(health('v')?.lastError).toBe(`the answer of 127.0.0.1:${server.port} is not JSON (<html>oops</html>)`);
      expect(health('m')?.lastError).toMatch(new RegExp(`^the answer of 127\\.0\\.0\\.1:${server.port} is not a Prometheus text exposition: `));
      expect(health('e')?.lastError).toBe('the stdout of echo is not JSON (not json)');
    }, { timeout: 10_000 });
  });
});

describe('exec feed (real processes)', () => {
  it('reads stdout as a number or by JSON pointer; hostile arguments arrive verbatim, one each', async () => {
    const hostile = ['; rm -rf /', '$(touch /tmp/homeostat-pwned)', '`id`', 'a\nb', "' \" \\", 'x'.repeat(100_000)];
    const echo = 'process.stdout.write(JSON.stringify({ args: process.argv.slice(1) }))';
    const { tree } = await deploy(`    - id: svc
      sensors: [{ name: answer }, { name: args, type: json }, { name: label, type: string }]
      feeds:
        - { kind: exec, sensor: answer, argv: [${JSON.stringify(process.execPath)}, -e, "console.log(6 * 7)"], every: 10s, jitter: 0 }
        - { kind: exec, sensor: args, argv: ${JSON.stringify([process.execPath, '-e', echo, ...hostile])}, pointer: /args, every: 10s, jitter: 0 }
        - { kind: exec, sensor: label, argv: [${JSON.stringify(process.execPath)}, -e, "console.log('  {{id}}-ok  ')"], parse: text, every: 10s, jitter: 0 }
`);
    const svc = tree.get('svc');
    await vi.waitFor(() => {
      expect(svc.sensor('answer').value).toBe(42);
      expect(svc.sensor('args').value).toEqual(hostile);
      expect(svc.sensor('label').value).toBe('svc-ok');
    }, { timeout: 20_000, interval: 50 }); // three real node processes: seconds on a loaded machine
    expect(existsSync('/tmp/homeostat-pwned')).toBe(false);
  });

  it('kills the command and what it started at the timeout; a non-zero exit or a non-number is counted, never zero', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-exec-feed-'));
    const script = `const fs = require('fs'); const { spawn } = require('child_process');
      const child = spawn('sleep', ['60']); fs.writeFileSync(process.argv[1], process.pid + ' ' + child.pid); setInterval(() => {}, 1000);`;
    const { clock, tree, health } = await deploy(`    - id: svc
      sensors: [{ name: hang }, { name: fail }, { name: word }]
      feeds:
        - { kind: exec, sensor: hang, argv: ${JSON.stringify([process.execPath, '-e', script, path.join(dir, 'pids')])}, every: 60s, timeout: 2s, jitter: 0 }
        - { kind: exec, sensor: fail, argv: [${JSON.stringify(process.execPath)}, -e, "console.error('disk on fire'); process.exit(3)"], every: 60s, jitter: 0 }
        - { kind: exec, sensor: word, argv: [echo, zero], every: 60s, jitter: 0 }
`);
    await vi.waitFor(async () => expect((await readFile(path.join(dir, 'pids'), 'utf8')).split(' ')).toHaveLength(2));
    const pids = (await readFile(path.join(dir, 'pids'), 'utf8')).split(' ').map(Number);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(true);
    await vi.waitFor(() => expect(health('fail')?.lastError).toMatch(/exited with 3: disk on fire/));
    await vi.waitFor(() => expect(health('word')?.rejected).toBe(1));
    await clock.advanceBy(2_000);
    await vi.waitFor(() => expect(health('hang')?.lastError).toBe('no answer within 2000 ms'));
    await vi.waitFor(() => {
      for (const pid of pids) expect(existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ')).toBe(false);
    });
    for (const name of ['hang', 'fail', 'word']) expect(tree.get('svc').sensor(name).current).toBeUndefined();
  });
});
