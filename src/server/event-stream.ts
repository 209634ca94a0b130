/** One server-sent event: a sequence id (for Last-Event-ID), a type, the entity it concerns, and its data as JSON. */
export interface StreamEvent {
  readonly id: number;
  readonly type: 'decision' | 'sensor';
  readonly entity: string;
  /** The event's data, serialized once (what every client is sent). */
  readonly json: string;
  /** The size of `json` in UTF-8 bytes as the replay buffer counts it (0 for a decision held as its record: see `EventHub`). */
  readonly bytes: number;
}

/**
 * An event of the hub: serialized when published, or (a decision while no client listens) holding the
 * engine's own record and serialized when first sent, once.
 */
class HubEvent implements StreamEvent {
  private text: string | undefined;
  private data: unknown;
  readonly bytes: number;

  constructor(
    readonly id: number,
    readonly type: StreamEvent['type'],
    readonly entity: string,
    data: unknown,
    serializeNow: boolean,
  ) {
    if (serializeNow) this.text = serialize(data);
    else this.data = data;
    this.bytes = this.text === undefined ? 0 : Buffer.byteLength(this.text);
  }

  get json(): string {
    if (this.text === undefined) {
      this.text = serialize(this.data);
      this.data = undefined;
    }
    return this.text;
  }
}

/** Default bound of the replay buffer in events. */
export const DEFAULT_REPLAY_EVENTS = 10_000;

/** Default bound of the replay buffer in bytes of the events' JSON: 32 MiB. */
export const DEFAULT_REPLAY_BYTES = 32 * 1024 * 1024;

/** Bounds of an {@link EventHub}'s replay buffer: past either, the oldest events are dropped. */
export interface ReplayBounds {
  /** Most events kept. Default {@link DEFAULT_REPLAY_EVENTS}. */
  readonly maxEvents?: number;
  /** Most bytes of the events' JSON kept. Default {@link DEFAULT_REPLAY_BYTES}. The newest event is always kept. */
  readonly maxBytes?: number;
}

type Listener = (event: StreamEvent) => void;

/**
 * Fan-out of live events with a replay buffer, so a client that reconnects with Last-Event-ID gets what it
 * missed (as long as it is still in the buffer). The buffer is bounded by events and by bytes: a few large
 * events (900 KB readings) push out the oldest as many small ones do, and it never holds more than
 * `maxBytes` of JSON (but for the newest event, when that alone is larger). Each event is serialized once, and
 * the buffer holds that text rather than the data, so a large reading keeps no object graph alive; a decision
 * published while no client listens is kept as its (bounded) record until one asks for it (see `publish`).
 */
export class EventHub {
  /** Events kept, oldest first, from `head` on (the ones before are dropped, and cleared now and then). */
  private events: StreamEvent[] = [];
  private head = 0;
  private held = 0;
  private readonly listeners = new Set<Listener>();
  private seq = 0;
  private readonly maxEvents: number;
  private readonly maxBytes: number;

  constructor(bounds: ReplayBounds = {}) {
    this.maxEvents = bounds.maxEvents ?? DEFAULT_REPLAY_EVENTS;
    this.maxBytes = bounds.maxBytes ?? DEFAULT_REPLAY_BYTES;
    if (!(this.maxEvents >= 1) || !(this.maxBytes >= 1)) throw new RangeError(`replay bounds must be at least 1, got ${this.maxEvents} events and ${this.maxBytes} bytes`);
  }

  /**
   * Adds an event and hands it to the listeners. A sensor reading (published only for sensors a stream or a
   * history watches, and of any size) is serialized now and counted in bytes; a decision while no client
   * listens is kept as the engine's record and serialized only if a resumed stream asks for it: with the
   * service attached every decision comes here, and a JSON text of each (2.5 us, about as much as deciding)
   * would be made for nobody. Decision records are bounded by knowledge, and at most `maxEvents` are kept.
   */
  publish(type: StreamEvent['type'], entity: string, data: unknown): void {
    const event = new HubEvent(++this.seq, type, entity, data, type === 'sensor' || this.listeners.size > 0);
    this.events.push(event);
    this.held += event.bytes;
    while (this.size > 1 && (this.size > this.maxEvents || this.held > this.maxBytes)) this.dropOldest();
    for (const listener of this.listeners) listener(event);
  }

  /** The id of the newest event given out; 0 before the first. */
  get newestId(): number {
    return this.seq;
  }

  /** The id of the oldest event still in the replay buffer; undefined before the first event. */
  get oldestId(): number | undefined {
    return this.events[this.head]?.id;
  }

  /** Events in the replay buffer. */
  get size(): number {
    return this.events.length - this.head;
  }

  /** Bytes of JSON the replay buffer holds. */
  get bytes(): number {
    return this.held;
  }

  /** Events after `lastId` still in the replay buffer, oldest first. */
  since(lastId: number, filter: (e: StreamEvent) => boolean): StreamEvent[] {
    const oldest = this.oldestId;
    if (oldest === undefined) return [];
    // ids are consecutive in the buffer: the first after lastId is found by its id
    const from = this.head + Math.max(0, Math.floor(lastId) + 1 - oldest);
    const out: StreamEvent[] = [];
    for (let i = from; i < this.events.length; i++) {
      const event = this.events[i] as StreamEvent;
      if (filter(event)) out.push(event);
    }
    return out;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private dropOldest(): void {
    const dropped = this.events[this.head] as StreamEvent;
    this.held -= dropped.bytes;
    (this.events as Array<StreamEvent | undefined>)[this.head] = undefined;
    this.head++;
    // dropped places are given back once they are half the array: each event is moved at most once on average
    if (this.head > 1_024 && this.head * 2 > this.events.length) {
      this.events = this.events.slice(this.head);
      this.head = 0;
    }
  }
}

/** An event's data as JSON; data that cannot be (a BigInt, a cycle) says so instead of failing the publish. */
function serialize(data: unknown): string {
  try {
    return JSON.stringify(data) ?? 'null';
  } catch (error) {
    return JSON.stringify({ error: `this event's data is not JSON: ${(error as Error).message}` });
  }
}
