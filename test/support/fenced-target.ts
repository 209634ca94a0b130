import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the target received. */
export interface TargetRequest {
  /** Wall-clock arrival (ms since the epoch). */
  readonly at: number;
  /** The resource acted on (the request path): tokens are compared per resource, as with a lease per shard. */
  readonly path: string;
  readonly token: number | undefined;
  readonly key: string | undefined;
  readonly accepted: boolean;
}

/**
 * A system under control that keeps fencing as a real one would: a small HTTP server that records every
 * action (`POST /act/...`) with its `Homeostat-Fencing-Token` and `Idempotency-Key`, accepts it (200) unless its
 * token is lower than one it accepted before for the same path (409: a stale leader), and refuses a request without a token
 * (400). It does not refuse a repeated key, so that a duplicate action shows in the record instead of being
 * hidden by the target.
 */
export class FencedTarget {
  readonly requests: TargetRequest[] = [];
  private readonly highest = new Map<string, number>();

  private slowMs = 0;

  private readonly server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const raw = request.headers['homeostat-fencing-token'];
      const token = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : undefined;
      const key = typeof request.headers['idempotency-key'] === 'string' ? request.headers['idempotency-key'] : undefined;
      const path = request.url ?? '/';
      const accepted = token !== undefined && token >= (this.highest.get(path) ?? -Infinity);
      if (accepted) this.highest.set(path, token);
      this.requests.push({ at: Date.now(), path, token, key, accepted });
      response.statusCode = token === undefined ? 400 : accepted ? 200 : 409;
      // an action on /slow/... takes `slowMs` to complete (a long operation that holds its subtree meanwhile)
      const delay = path.startsWith('/slow/') ? this.slowMs : 0;
      const answer = (): void => void response.end(accepted ? 'ok' : 'stale fencing token');
      if (delay > 0) setTimeout(answer, delay);
      else answer();
    });
  });

  private constructor() {}

  /** Starts one on a free port of 127.0.0.1; actions on `/slow/...` are answered after `slowMs`. */
  static async start(options: { slowMs?: number } = {}): Promise<FencedTarget> {
    const target = new FencedTarget();
    target.slowMs = options.slowMs ?? 0;
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Accepted actions, in arrival order. */
  get accepted(): TargetRequest[] {
    return this.requests.filter((r) => r.accepted);
  }

  /** Keys accepted more than once on one resource: actions applied twice (one plan's steps on several resources share a key). */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const r of this.accepted) seen.set(`${r.path} ${r.key ?? '(none)'}`, (seen.get(`${r.path} ${r.key ?? '(none)'}`) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([key]) => key);
  }

  /** Accepted actions whose token is lower than one accepted before them on the same resource (must be none). */
  regressions(): TargetRequest[] {
    const highest = new Map<string, number>();
    const out: TargetRequest[] = [];
    for (const r of this.accepted) {
      if ((r.token ?? -Infinity) < (highest.get(r.path) ?? -Infinity)) out.push(r);
      highest.set(r.path, Math.max(highest.get(r.path) ?? -Infinity, r.token ?? -Infinity));
    }
    return out;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
