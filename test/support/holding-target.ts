import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** One request the target held: when it came, and when it was answered or cut by the caller (ms, `performance.now()`). */
export interface HeldRequest {
  readonly arrived: number;
  answered?: number;
  cut?: number;
}

/**
 * An HTTP target that answers every request `holdMs` after it arrives (never, for Infinity), recording when
 * each arrived and when it was answered or cut by its caller (an effector aborted), on this process's
 * monotonic clock: a test compares those times with others it takes (a lease released, a process ended).
 */
export class HoldingTarget {
  readonly requests: HeldRequest[] = [];
  /** Resolves with the first request, as it arrives. */
  readonly arrived: Promise<HeldRequest>;
  private first: (held: HeldRequest) => void = () => undefined;
  private readonly server: Server;

  private constructor(holdMs: number) {
    this.arrived = new Promise((resolve) => (this.first = resolve));
    this.server = createServer((request, response) => {
      const held: HeldRequest = { arrived: performance.now() };
      this.requests.push(held);
      this.first(held);
      request.resume();
      const timer = Number.isFinite(holdMs) ? setTimeout(() => response.end('done', () => (held.answered = performance.now())), holdMs) : undefined;
      response.on('close', () => {
        if (held.answered !== undefined || response.writableFinished) return;
        held.cut = performance.now();
        clearTimeout(timer);
      });
    });
  }

  /** Listens on a free loopback port. */
  static async start(holdMs: number): Promise<HoldingTarget> {
    const target = new HoldingTarget(holdMs);
    await new Promise<void>((resolve) => target.server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and cuts the connections still open. */
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/**
 * Writes a blueprint named `name` whose one entity (`app`) has an `act` effector calling the target's
 * `/act/app`, and (unless `ticker` is false) a ticker policy that invokes it every 100 ms (one call at a
 * time: the next waits for the held one). Returns its path.
 */
export async function blueprintActingOn(target: HoldingTarget, name: string, ticker = true): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), `homeostat-${name}-`)), `${name}.yaml`);
  await writeFile(file, [
    `name: ${name}`,
    'application:',
    '  id: app',
    '  effectors:',
    `    - { name: act, kind: http, method: POST, url: "http://127.0.0.1:${target.port}/act/{{id}}", status: [200], timeout: 60s }`,
    ...(ticker ? ['  policies:', `    - { module: ${path.resolve(import.meta.dirname, '../cluster/fixtures/ticker-policy.ts')}, config: { every: 100 } }`] : []),
    '',
  ].join('\n'));
  return file;
}
