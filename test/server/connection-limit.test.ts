// `homeostat run --max-connections` as a real process, with real sockets: connections over the limit are closed
// as they come (one log line for a flood, counted in /metrics), those held go on being served, and once they
// close new ones are served again. A CONNECT request is answered 405 and its connection closed, not dropped
// with no answer.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { runToExit, startService, type ServiceProcess } from './service-process.js';

const HEALTH = 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n';

/** A connection that sent `request`; resolves once it has the first bytes of the answer. */
async function heldConnection(port: number, request: string): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('data', () => resolve());
    socket.once('close', () => reject(new Error('a connection under the limit was closed')));
    socket.write(request);
  });
  return socket;
}

/**
 * Connects, sends `request`, and resolves with what came back and whether the service closed the connection
 * within `limitMs` (bounded: a connection left open fails the test rather than holding it).
 */
function exchange(port: number, request: string, limitMs = 10_000): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, limitMs);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

/** Answers a GET on a fresh connection, tried again (every 20 ms, for at most `limitMs`) while the service refuses it. */
async function getOnceServed(url: string, limitMs: number): Promise<Response> {
  const started = performance.now();
  for (;;) {
    try {
      return await fetch(url, { headers: { connection: 'close' } });
    } catch (error) {
      if (performance.now() - started > limitMs) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

async function stop(service: ServiceProcess): Promise<void> {
  service.child.kill('SIGTERM');
  expect((await service.exited).code).toBe(0);
}

describe('homeostat run --max-connections', () => {
  it('closes connections over the limit as they come, says so once, and serves again once held ones close', async () => {
    const service = await startService(['--max-connections', '5']);
    try {
      const port = Number(new URL(service.url).port);
      const held = await Promise.all(Array.from({ length: 5 }, () => heldConnection(port, HEALTH)));
      // over the limit: each is closed with nothing answered, the request it sent unread
      const extras = await Promise.all(Array.from({ length: 20 }, () => exchange(port, HEALTH)));
      expect(extras).toEqual(Array.from({ length: 20 }, () => ({ text: '', closed: true })));
      const logged = JSON.parse(await service.untilLogged('HTTP connection limit reached')) as Record<string, unknown>;
      expect(logged).toMatchObject({ level: 40, limit: 5, refused: 1 });
      // a flood is one line, not one per connection
      expect(service.stdout().split('\n').filter((line) => line.includes('HTTP connection limit'))).toHaveLength(1);
      // a held connection is still served: the refusals are counted
      const metrics = await new Promise<string>((resolve) => {
        let text = '';
        const socket = held[0] as net.Socket;
        socket.removeAllListeners('data');
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('close', () => resolve(text));
        socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      });
      expect(metrics).toMatch(/^homeostat_http_connections_refused_total 20$/m);
      expect(metrics).toMatch(/^homeostat_http_connections_limit 5$/m);
      for (const socket of held) socket.destroy();
      // the service sees the closes in real time: a new connection is served once it has
      expect((await getOnceServed(`${service.url}/health`, 10_000)).status).toBe(200);
    } finally {
      await stop(service);
    }
  }, 90_000);

  it.each(['0', '1.5', '1000001', 'many'])('refuses --max-connections %s, naming the option', async (value) => {
    const result = await runToExit(['--port', '0', '--max-connections', value], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--max-connections <n>' argument");
    expect(result.stderr).toContain('a connection limit is a whole number from 1 to 1000000');
  }, 60_000);
});

describe('a CONNECT request to the service', () => {
  it('is answered 405 at once, with Connection: close, and its connection closed', async () => {
    const service = await startService([]);
    try {
      const port = Number(new URL(service.url).port);
      const began = performance.now();
      const answer = await exchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
      expect(answer.closed).toBe(true);
      expect(performance.now() - began).toBeLessThan(5_000);
      const [head = '', body] = answer.text.split('\r\n\r\n');
      const lines = head.split('\r\n');
      expect(lines[0]).toBe('HTTP/1.1 405 Method Not Allowed');
      expect(lines).toContain('Connection: close');
      expect(JSON.parse(body ?? '')).toEqual({ error: 'CONNECT is not served: this is the homeostat API, not a proxy' });
      // and the service goes on
      expect((await fetch(`${service.url}/health`)).status).toBe(200);
    } finally {
      await stop(service);
    }
  }, 90_000);
});
