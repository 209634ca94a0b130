#!/usr/bin/env node
// A small worker service: each request to / burns CPU (a hash loop), so more load needs more workers.
// GET /metrics is a Prometheus text exposition, GET /healthz answers 200 once the worker listens.
// PORT sets the port (homeostat's process-group gives each member its own); SIGTERM closes it gracefully.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.PORT ?? 9100);
const worker = process.env.HOMEOSTAT_ENTITY ?? `worker-${port}`;
const defaultWork = Number(process.env.WORK_ROUNDS ?? 2000);
const buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const counts = new Array(buckets.length).fill(0);
let requests = 0;
let durationSum = 0;
let inFlight = 0;

function work(rounds) {
  let digest = Buffer.from(worker);
  for (let i = 0; i < rounds; i++) digest = createHash('sha256').update(digest).digest();
  return digest.toString('hex').slice(0, 16);
}

function metrics() {
  const label = `worker="${worker}"`;
  const lines = [
    '# HELP worker_requests_total Requests served.',
    '# TYPE worker_requests_total counter',
    `worker_requests_total{${label}} ${requests}`,
    '# HELP worker_in_flight Requests being served now.',
    '# TYPE worker_in_flight gauge',
    `worker_in_flight{${label}} ${inFlight}`,
    '# HELP worker_request_duration_seconds Time to serve a request.',
    '# TYPE worker_request_duration_seconds histogram',
    ...buckets.map((b, i) => `worker_request_duration_seconds_bucket{${label},le="${b}"} ${counts[i]}`),
    `worker_request_duration_seconds_bucket{${label},le="+Inf"} ${requests}`,
    `worker_request_duration_seconds_sum{${label}} ${durationSum}`,
    `worker_request_duration_seconds_count{${label}} ${requests}`,
  ];
  return `${lines.join('\n')}\n`;
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') return void res.end('ok\n');
  if (url.pathname === '/metrics') {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    return void res.end(metrics());
  }
  const started = process.hrtime.bigint();
  inFlight++;
  const result = work(Number(url.searchParams.get('rounds') ?? defaultWork));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  inFlight--;
  requests++;
  durationSum += seconds;
  buckets.forEach((b, i) => seconds <= b && counts[i]++);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ worker, result, seconds }));
});

server.listen(port, '127.0.0.1', () => console.log(`${worker} listening on 127.0.0.1:${port} (pid ${process.pid})`));
process.on('SIGTERM', () => {
  console.log(`${worker}: SIGTERM, closing`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
