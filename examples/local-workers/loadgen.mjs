#!/usr/bin/env node
// Load generator for the local-workers example: sends requests round-robin to the worker ports that answer,
// at a rate that climbs, holds, and falls, so the autoscaler has something to do.
//   node loadgen.mjs [--peak 60] [--ramp 60] [--hold 120] [--base-port 9101] [--ports 8]
// Prints one line every 5 s: the target rate, what was served, errors, and the p50/p99 latency.
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    peak: { type: 'string', default: '60' },
    ramp: { type: 'string', default: '60' },
    hold: { type: 'string', default: '120' },
    'base-port': { type: 'string', default: '9101' },
    ports: { type: 'string', default: '8' },
  },
});
const peak = Number(values.peak);
const ramp = Number(values.ramp);
const hold = Number(values.hold);
const ports = Array.from({ length: Number(values.ports) }, (_, i) => Number(values['base-port']) + i);
const started = performance.now();
let next = 0;
let window = { ok: 0, errors: 0, latencies: [] };

/** Requests per second wanted at `t` seconds: ramp up, hold, ramp down, then stop. */
function rateAt(t) {
  if (t < ramp) return (peak * t) / ramp;
  if (t < ramp + hold) return peak;
  if (t < 2 * ramp + hold) return (peak * (2 * ramp + hold - t)) / ramp;
  return -1;
}

async function once() {
  for (let tries = 0; tries < ports.length; tries++) {
    const port = ports[next++ % ports.length];
    const t0 = performance.now();
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      window.ok++;
      window.latencies.push(performance.now() - t0);
      return;
    } catch (error) {
      if (error?.cause?.code !== 'ECONNREFUSED') {
        window.errors++;
        return;
      }
    }
  }
  window.errors++;
}

const quantile = (xs, q) => (xs.length === 0 ? 0 : xs.sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]);
setInterval(() => {
  const t = (performance.now() - started) / 1000;
  const { ok, errors, latencies } = window;
  window = { ok: 0, errors: 0, latencies: [] };
  console.log(`t=${t.toFixed(0)}s target=${Math.max(0, rateAt(t)).toFixed(0)}/s served=${(ok / 5).toFixed(1)}/s errors=${errors} p50=${quantile(latencies, 0.5).toFixed(0)}ms p99=${quantile(latencies, 0.99).toFixed(0)}ms`);
}, 5000);

let credit = 0;
let last = performance.now();
const tick = setInterval(() => {
  const now = performance.now();
  const rate = rateAt((now - started) / 1000);
  if (rate < 0) {
    clearInterval(tick);
    setTimeout(() => process.exit(0), 5500);
    return;
  }
  credit += (rate * (now - last)) / 1000;
  last = now;
  for (; credit >= 1; credit--) void once();
}, 20);
