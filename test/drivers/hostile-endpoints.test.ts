// Health checks and the notify webhook against hostile HTTP endpoints (a real local server on a free port):
// an endless body costs neither memory nor time, a body cut mid-way is no crash, errors name the webhook;
// and the postgres and redis drivers against a server on their port that floods the connection.
import { createServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { asyncScheduler } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpCheck } from '../../src/drivers/health-checks.js';
import { readStatus, withClient } from '../../src/drivers/postgres/pg-status.js';
import { openNodeClient } from '../../src/drivers/redis/redis-client.js';
import { notifyEffector } from '../../src/effectors/kinds/notify.js';

const servers: Server[] = [];
const cleanupNet: NetServer[] = [];
afterEach(async () => {
  for (const server of cleanupNet.splice(0)) await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

async function serve(handler: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Answers `status` and then writes 1 MiB chunks as fast as they are taken until the connection goes. */
function endless(status: number, sent: { bytes: number }): (res: ServerResponse) => void {
  return (res) => {
    const chunk = Buffer.alloc(1 << 20, 'a');
    res.writeHead(status, { 'content-type': 'text/plain' });
    const pump = (): void => {
      while (!res.destroyed) {
        sent.bytes += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
    };
    pump();
  };
}

const notification = { summary: 'db/failover: refused', description: '', severity: 'critical' as const, source: 'db', labels: {} };

describe('health checks and the notify webhook against hostile endpoints', () => {
  it('an http health check decides on the status and does not read an endless body', async () => {
    const sent = { bytes: 0 };
    const url = await serve(endless(200, sent));
    const started = performance.now();
    expect(await httpCheck(url, 10_000)()).toBe(true);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sent.bytes).toBeLessThan(64 * (1 << 20));
  });

  it('notify decides on the status, does not read an endless body, and a cut body is no error', async () => {
    const sent = { bytes: 0 };
    const url = await serve(endless(202, sent));
    const run = async (target: string): Promise<unknown> =>
      await notifyEffector({ url: target, template: 'alertmanager', headers: {}, timeout: 10_000 }).run(notification, { signal: AbortSignal.timeout(10_000), scheduler: asyncScheduler } as never);
    const started = performance.now();
    expect(await run(url)).toEqual({ status: 202 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(sent.bytes).toBeLessThan(64 * (1 << 20));
    const cut = await serve((res) => {
      res.writeHead(200, { 'content-length': '100' }).write('{"ok"');
      setTimeout(() => res.destroy(), 20);
    });
    expect(await run(cut)).toEqual({ status: 200 });
  });

  it('a notify failure names the webhook', async () => {
    const url = await serve((res) => res.writeHead(503).end('busy'));
    const effector = notifyEffector({ url: `${url}/hook`, template: 'alertmanager', headers: {}, timeout: 10_000 });
    const error = await Promise.resolve()
      .then(() => effector.run(notification, { signal: AbortSignal.timeout(10_000), scheduler: asyncScheduler } as never))
      .then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(`webhook ${url} answered 503: busy`);
  });
});

describe('the postgres driver against something on its port that is not PostgreSQL', () => {
  it('a server that floods the connection is dropped after a bounded read, with an error naming it', async () => {
    const sent = { bytes: 0 };
    const server = createNetServer((socket) => {
      socket.on('error', () => undefined);
      const chunk = Buffer.alloc(1 << 20, 'x');
      const pump = (): void => {
        while (!socket.destroyed) {
          sent.bytes += chunk.length;
          if (!socket.write(chunk)) return void socket.once('drain', pump);
        }
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanupNet.push(server);
    const port = (server.address() as AddressInfo).port;
    const started = performance.now();
    const error = await withClient({ host: '127.0.0.1', port, user: 'u', database: 'd', timeoutMs: 5_000 }, readStatus).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe(`127.0.0.1:${port} sent more than 4 MiB on one connection (is it a PostgreSQL server?)`);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(sent.bytes).toBeLessThan(64 * (1 << 20));
  });
});

describe('the redis driver against something on its port that answers without end', () => {
  it('a reply that does not end is dropped after a bounded read (ioredis buffers a bulk reply whole)', async () => {
    const sent = { bytes: 0 };
    let flooded: Promise<void> | undefined;
    const server = createNetServer((socket) => {
      socket.on('error', () => undefined);
      // the first command of the first connection gets a 1 GB bulk reply, sent as fast as it is taken
      if (flooded) return;
      flooded = new Promise((resolve) => socket.once('close', () => resolve()));
      socket.once('data', () => {
        socket.write('$1000000000\r\n');
        const chunk = Buffer.alloc(1 << 20, 'x');
        const pump = (): void => {
          while (!socket.destroyed) {
            sent.bytes += chunk.length;
            if (!socket.write(chunk)) return void socket.once('drain', pump);
          }
        };
        pump();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanupNet.push(server);
    const client = openNodeClient({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, timeoutMs: 10_000 });
    try {
      await vi.waitFor(() => expect(flooded).toBeDefined());
      const started = performance.now();
      await flooded;
      expect(performance.now() - started).toBeLessThan(4_000);
      expect(sent.bytes).toBeLessThan(64 * (1 << 20));
    } finally {
      client.disconnect();
    }
  });
});
