import pg from 'pg';
import { sleep } from './redis-parts.js';

export { longestGap } from './write-gap.js';

/** One statement on a fresh connection to 127.0.0.1:`port`; undefined when it fails. */
export async function pgOnce<T extends Record<string, unknown>>(port: number, sql: string, params: unknown[] = [], timeoutMs = 300): Promise<T[] | undefined> {
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.query<T>(sql, params)).rows;
  } catch {
    return undefined;
  } finally {
    void c.end().catch(() => undefined);
  }
}

/** Inserts numbered rows one after another where `resolve` says the primary is; records each committed one. */
export class PgWriter {
  readonly acked: number[] = [];
  /** performance.now() of each acknowledgement, in the order of `acked`. */
  readonly ackedAt: number[] = [];
  private running = true;
  private done: Promise<void> | undefined;

  constructor(private readonly resolve: () => Promise<number | undefined>) {}

  start(): void {
    this.done = (async () => {
      let n = 0;
      let c: pg.Client | undefined;
      while (this.running) {
        if (!c) {
          const port = await this.resolve().catch(() => undefined);
          if (port === undefined) {
            await sleep(20);
            continue;
          }
          c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 300, query_timeout: 300 });
          c.on('error', () => undefined);
          if (!(await c.connect().then(() => true, () => false))) {
            c = undefined;
            await sleep(20);
            continue;
          }
        }
        n += 1;
        try {
          await c.query('INSERT INTO t VALUES ($1)', [n]);
          this.acked.push(n);
          this.ackedAt.push(performance.now());
        } catch {
          void c.end().catch(() => undefined);
          c = undefined;
          await sleep(10);
        }
      }
      void c?.end().catch(() => undefined);
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}

/** Committed rows missing on the server at `port`. */
export async function pgLostWrites(port: number, acked: readonly number[]): Promise<number> {
  const rows = await pgOnce<{ n: number }>(port, 'SELECT n FROM t', [], 30_000);
  if (!rows) return acked.length;
  const present = new Set(rows.map((r) => r.n));
  return acked.filter((n) => !present.has(n)).length;
}

/** Tries a write on every server every `everyMs`, recording which took it. */
export class PgWriteProbe {
  readonly samples: Array<{ at: number; writable: number[] }> = [];
  private running = true;
  private done: Promise<void> | undefined;

  constructor(private readonly ports: number[], private readonly everyMs = 100) {}

  start(): void {
    this.done = (async () => {
      while (this.running) {
        const at = performance.now();
        // a loaded machine can take 200 ms to fork a backend: a shorter timeout would count a primary as refusing
        const ok = await Promise.all(this.ports.map((p) => pgOnce(p, 'INSERT INTO probe VALUES (now())', [], 250)));
        this.samples.push({ at, writable: this.ports.filter((_p, i) => ok[i] !== undefined) });
        await sleep(Math.max(0, this.everyMs - (performance.now() - at)));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.done;
  }
}
