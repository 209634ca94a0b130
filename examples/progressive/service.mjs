#!/usr/bin/env node
// A small HTTP service for progressive delivery: GET / answers 200, except that version "bad" (WORKER_VERSION)
// answers 500 to every third request (a bug that only a canary's metrics show: /healthz stays green).
// It sends itself a request every 100 ms over real HTTP and writes the error ratio of its last 20 answers to
// $RATE_DIR/$HOMEOSTAT_ENTITY.rate, which the blueprint's exec feed reads. SIGTERM closes it.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { request, createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';

const port = Number(process.env.PORT ?? 9200);
const version = process.env.WORKER_VERSION ?? '1';
const entity = process.env.HOMEOSTAT_ENTITY ?? `service-${port}`;
const rateDir = process.env.RATE_DIR ?? path.join(os.tmpdir(), 'homeostat-progressive');
mkdirSync(rateDir, { recursive: true });
let served = 0;
const recent = [];

const server = createServer((req, res) => {
  if (req.url === '/healthz') return void res.end('ok\n');
  served++;
  res.statusCode = version === 'bad' && served % 3 === 0 ? 500 : 200;
  res.end(JSON.stringify({ entity, version }));
});

function probe() {
  const req = request({ host: '127.0.0.1', port, path: '/', timeout: 1000 }, (res) => {
    res.resume();
    res.on('end', () => note(res.statusCode >= 500));
  });
  req.on('error', () => note(true));
  req.on('timeout', () => req.destroy());
  req.end();
}

function note(failed) {
  recent.push(failed ? 1 : 0);
  if (recent.length > 20) recent.shift();
  const file = path.join(rateDir, `${entity}.rate`);
  writeFileSync(`${file}.tmp`, String(recent.reduce((a, b) => a + b, 0) / recent.length));
  renameSync(`${file}.tmp`, file);
}

server.listen(port, '127.0.0.1', () => {
  console.log(`${entity} ${version} listening on 127.0.0.1:${port} (pid ${process.pid})`);
  setInterval(probe, 100);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
