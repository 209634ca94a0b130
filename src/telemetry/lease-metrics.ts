import { Counter, Gauge, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { Subscription } from 'rxjs';
import type { HaView } from '../cluster/ha-status.js';
import { Registrations } from './registrations.js';

const RENEWAL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * Leadership and lease health of an instance of a highly available deployment, on the host's registry:
 * `homeostat_leader{shard}` (1 while this instance acts for the shard), the renewal round trip, takeovers
 * and leases lost. Labels are bounded: shards are the tree's top-level and marked subtrees, never members.
 */
export class LeaseMetrics {
  private readonly subscription: Subscription;
  private readonly unregister: () => void;

  constructor(registry: Registry<RegistryContentType>, ha: HaView) {
    const registrations = new Registrations(registry);
    new Gauge({
      name: 'homeostat_leader',
      help: 'Whether this instance acts for the shard (1) or stands by (0).',
      labelNames: ['shard'],
      registers: [registry],
      collect() {
        this.reset();
        for (const lease of ha.health()) this.set({ shard: lease.shard }, lease.role === 'leader' ? 1 : 0);
      },
    });
    new Gauge({
      name: 'homeostat_lease_token',
      help: 'The fencing token this instance holds for the shard (0 when it holds none).',
      labelNames: ['shard'],
      registers: [registry],
      collect() {
        this.reset();
        for (const lease of ha.health()) this.set({ shard: lease.shard }, lease.token ?? 0);
      },
    });
    const renewals = new Histogram({ name: 'homeostat_lease_renewal_duration_seconds', help: 'Round trip of lease takes and renewals, replica acknowledgements included.', labelNames: ['shard'], buckets: RENEWAL_BUCKETS, registers: [registry] });
    const takeovers = new Counter({ name: 'homeostat_lease_takeovers_total', help: 'Times this instance started acting for a shard under a new fencing token.', labelNames: ['shard'], registers: [registry] });
    const lost = new Counter({ name: 'homeostat_lease_lost_total', help: 'Times this instance stopped acting for a shard without giving it up (renewal failed or came too late).', labelNames: ['shard'], registers: [registry] });
    this.unregister = registrations.since();
    for (const lease of ha.health()) {
      // present from the start, so a rate over them is 0 rather than no data
      takeovers.inc({ shard: lease.shard }, 0);
      lost.inc({ shard: lease.shard }, 0);
    }
    this.subscription = ha.events$.subscribe((event) => {
      if (event.kind === 'renewed') renewals.observe({ shard: event.shard }, event.latencyMs / 1000);
      else if (event.kind === 'takeover') takeovers.inc({ shard: event.shard });
      else lost.inc({ shard: event.shard });
    });
  }

  /** Stops following the leases and takes its metrics out of the registry (the host's other metrics stay). */
  close(): void {
    this.subscription.unsubscribe();
    this.unregister();
  }
}
