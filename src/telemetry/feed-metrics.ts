import { createRequire } from 'node:module';
import type { Registry, RegistryContentType } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { FeedBoard } from '../sensors/feeds/feed-health.js';
import { Registrations } from './registrations.js';

/**
 * prom-client, loaded when feed metrics are made rather than with the library: a program that imports
 * homeostat without metrics (a policy module the command loads, a validation) does not load it; one that
 * makes them holds a registry, so has it loaded already.
 */
const promClient = (): typeof import('prom-client') => createRequire(import.meta.url)('prom-client') as typeof import('prom-client');

/**
 * Metrics of feeds: polls by kind and result, readings by kind, sensor and result (published, missing,
 * rejected), and per kind and sensor the worst consecutive-failure count and the oldest last success.
 * Labels are bounded: feed kinds and sensor names come from the blueprint; entity ids never appear (a
 * fan-out feed over 1,000 members is still one series).
 */
export class FeedMetrics {
  private readonly subscription: Subscription;
  private readonly unregister: () => void;

  constructor(registry: Registry<RegistryContentType>, board: FeedBoard) {
    const { Counter, Gauge } = promClient();
    const registrations = new Registrations(registry);
    const polls = new Counter({ name: 'homeostat_feed_polls_total', help: 'Feed polls by kind, sensor and result (ok, error, timeout).', labelNames: ['kind', 'sensor', 'result'], registers: [registry] });
    const readings = new Counter({ name: 'homeostat_feed_readings_total', help: 'Values read by feeds by kind, sensor and result (published, missing, rejected).', labelNames: ['kind', 'sensor', 'result'], registers: [registry] });
    new Gauge({
      name: 'homeostat_feed_consecutive_failures',
      help: 'The highest count of consecutive failed polls among the feeds of each kind and sensor.',
      labelNames: ['kind', 'sensor'],
      registers: [registry],
      collect() {
        this.reset();
        const worst = new Map<string, { kind: string; sensor: string; n: number }>();
        for (const f of board.records()) {
          const key = `${f.kind}\u0000${f.sensor}`;
          const seen = worst.get(key);
          if (!seen || f.consecutiveFailures > seen.n) worst.set(key, { kind: f.kind, sensor: f.sensor, n: f.consecutiveFailures });
        }
        for (const w of worst.values()) this.set({ kind: w.kind, sensor: w.sensor }, w.n);
      },
    });
    new Gauge({
      name: 'homeostat_feed_last_success_timestamp_seconds',
      help: 'The oldest last successful poll among the feeds of each kind and sensor (scheduler time); absent until one succeeds.',
      labelNames: ['kind', 'sensor'],
      registers: [registry],
      collect() {
        this.reset();
        const oldest = new Map<string, { kind: string; sensor: string; at: number }>();
        for (const f of board.records()) {
          if (f.lastSuccessAt === null) continue;
          const key = `${f.kind}\u0000${f.sensor}`;
          const seen = oldest.get(key);
          if (!seen || f.lastSuccessAt < seen.at) oldest.set(key, { kind: f.kind, sensor: f.sensor, at: f.lastSuccessAt });
        }
        for (const o of oldest.values()) this.set({ kind: o.kind, sensor: o.sensor }, o.at / 1000);
      },
    });
    this.subscription = board.events$.subscribe((e) => {
      if (e.type === 'poll') polls.inc({ kind: e.kind, sensor: e.sensor, result: e.result });
      else readings.inc({ kind: e.kind, sensor: e.sensor, result: e.result }, e.count);
    });
    this.unregister = registrations.since();
  }

  /** Stops following the board and takes its metrics out of the registry (the host's other metrics stay). */
  close(): void {
    this.subscription.unsubscribe();
    this.unregister();
  }
}
