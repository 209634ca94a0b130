import { Counter, Gauge, type Registry, type RegistryContentType } from 'prom-client';
import type { Knowledge } from '../knowledge/knowledge.js';
import { Registrations } from './registrations.js';

/**
 * The knowledge store's health on the host's registry: writes waiting for the store, writes dropped (above the
 * buffer bound, refused alone, or made under a lease this instance lost), and whether the store is degraded (failing, so the loops decide on what they have).
 */
export class KnowledgeMetrics {
  private readonly unregister: () => void;

  constructor(registry: Registry<RegistryContentType>, knowledge: Pick<Knowledge, 'pending' | 'dropped' | 'degraded' | 'unreadableState'>) {
    const registrations = new Registrations(registry);
    new Gauge({
      name: 'homeostat_knowledge_pending_writes',
      help: 'Writes buffered for the knowledge store, in order.',
      registers: [registry],
      collect() {
        this.set(knowledge.pending);
      },
    });
    new Gauge({
      name: 'homeostat_knowledge_store_degraded',
      help: '1 while the knowledge store fails (writes wait for a retry or are dropped), else 0.',
      registers: [registry],
      collect() {
        this.set(knowledge.degraded ? 1 : 0);
      },
    });
    new Gauge({
      name: 'homeostat_knowledge_unreadable_state',
      help: 'Parts of the stored policy state (fields, or whole keys) the last load skipped as unreadable: left in the store, the policy runs without them.',
      registers: [registry],
      collect() {
        this.set(knowledge.unreadableState.length);
      },
    });
    new Counter({
      name: 'homeostat_knowledge_dropped_writes_total',
      help: 'Writes dropped: past the buffer bound while the knowledge store failed, refused by the store on their own, or refused as made under a lease this instance no longer held (HA).',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(knowledge.dropped);
      },
    });
    this.unregister = registrations.since();
  }

  /** Takes its metrics out of the registry (the host's other metrics stay). */
  close(): void {
    this.unregister();
  }
}
