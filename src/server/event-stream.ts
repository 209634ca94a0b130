import { BoundedLog } from '../knowledge/bounded-log.js';

/** One server-sent event: a sequence id (for Last-Event-ID), a type, the entity it concerns, and data. */
export interface StreamEvent {
  readonly id: number;
  readonly type: 'decision' | 'sensor';
  readonly entity: string;
  readonly data: unknown;
}

type Listener = (event: StreamEvent) => void;

/**
 * Fan-out of live events with a replay buffer, so a client that reconnects with Last-Event-ID gets what it
 * missed (as long as it is still in the buffer).
 */
export class EventHub {
  private readonly buffer: BoundedLog<StreamEvent>;
  private readonly listeners = new Set<Listener>();
  private seq = 0;

  constructor(capacity = 10_000) {
    this.buffer = new BoundedLog(capacity);
  }

  publish(type: StreamEvent['type'], entity: string, data: unknown): void {
    const event: StreamEvent = { id: ++this.seq, type, entity, data };
    this.buffer.append(event);
    for (const listener of this.listeners) listener(event);
  }

  /** The id of the newest event given out; 0 before the first. */
  get newestId(): number {
    return this.seq;
  }

  /** The id of the oldest event still in the replay buffer; undefined before the first event. */
  get oldestId(): number | undefined {
    return this.seq === 0 ? undefined : this.seq - this.buffer.size + 1;
  }

  /** Events after `lastId`, oldest first. */
  since(lastId: number, filter: (e: StreamEvent) => boolean): StreamEvent[] {
    return this.buffer.newestFirst((e) => e.id > lastId && filter(e), Number.MAX_SAFE_INTEGER).reverse();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
