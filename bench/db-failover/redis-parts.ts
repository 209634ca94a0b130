import { Redis } from 'ioredis';

/** A client for one server with tight timeouts and no queueing or resending (a write is acked once or not at all). */
export function client(port: number, timeoutMs = 300): Redis {
  const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, autoResendUnfulfilledCommands: false, retryStrategy: () => null });
  c.on('error', () => undefined);
  return c;
}

/** One command on a fresh connection; undefined when it fails. */
export async function once<T>(port: number, run: (c: Redis) => Promise<T>, timeoutMs = 300): Promise<T | undefined> {
  const c = client(port, timeoutMs);
  try {
    await c.connect();
    return await run(c);
  } catch {
    return undefined;
  } finally {
    c.disconnect();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Writes numbered keys one after another to wherever `resolve` says the primary is, and records every write
 * the server acknowledged. On an error or a timeout it asks `resolve` again (what a Sentinel-aware client,
 * or a client following homeostat's address file, does).
 */
export class Writer {
  readonly acked: number[] = [];
  /** performance.now() of each acknowledgement, in the order of `acked`. */
  readonly ackedAt: number[] = [];
  private running = true;
  private done: Promise<void> | undefined;

  constructor(private readonly resolve: () => Promise<number | undefined>) {}

  start(): void {
    this.done = this.loop();
  }

  private async loop(): Promise<void> {
    let n = 0;
    let port: number | undefined;
    let c: Redis | undefined;
    while (this.running) {
      if (!c) {
        port = await this.resolve().catch(() => undefined);
        if (port === undefined) {
          await sleep(20);
          continue;
        }
        c = client(port, 300);
        await c.connect().catch(() => undefined);
      }
      n += 1;
      try {
        await c.set(`k:${n}`, String(n));
        this.acked.push(n);
        this.ackedAt.push(performance.now());
      } catch {
        c.disconnect();
        c = undefined;
        await sleep(10);
      }
    }
    c?.disconnect();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Acknowledged keys missing on the server at `port`. */
export async function lostWrites(port: number, acked: readonly number[]): Promise<number> {
  let lost = 0;
  for (let i = 0; i < acked.length; i += 1000) {
    const keys = acked.slice(i, i + 1000).map((n) => `k:${n}`);
    const values = await once(port, (c) => c.mget(...keys), 5_000);
    if (!values) return acked.length;
    lost += values.filter((v) => v === null).length;
  }
  return lost;
}

/**
 * Probes every server every `everyMs` with a write and records which took it, so the first moment a new
 * primary takes writes, and any moment with two writable primaries, are seen the same way for every system.
 */
export class WriteProbe {
  readonly samples: Array<{ at: number; writable: number[] }> = [];
  private running = true;
  private done: Promise<void> | undefined;

  constructor(private readonly ports: number[], private readonly everyMs = 50) {}

  start(): void {
    this.done = (async () => {
      while (this.running) {
        const at = performance.now();
        const ok = await Promise.all(this.ports.map((p) => once(p, (c) => c.set('probe', '1'), Math.max(30, this.everyMs - 10))));
        this.samples.push({ at, writable: this.ports.filter((_p, i) => ok[i] === 'OK') });
        await sleep(Math.max(0, this.everyMs - (performance.now() - at)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
