// A request whose body never arrives (or arrives too slowly) is answered 408 and its connection closed once
// serve's requestTimeoutMs has passed; a /stream, whose request ended with its headers, is not cut by it.
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { ValidationError } from '../../src/core/errors.js';
import { requestTimeoutOptions } from '../../src/server/request-timeout.js';
import { serve, type Served } from '../../src/server/serve.js';

const TIMEOUT_MS = 200;
let deployment: Deployment | undefined;
let server: Served | undefined;
const sockets: net.Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await server?.close(0);
  await deployment?.stop({ graceMs: 0 });
  server = undefined;
  deployment = undefined;
});

async function start(requestTimeoutMs: number): Promise<number> {
  deployment = await Deployment.create(await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml')));
  deployment.start();
  server = await serve(deployment, { port: 0, requestTimeoutMs });
  return (server.app.server.address() as net.AddressInfo).port;
}

/** A raw connection that sends `head`, then `more()` until it closes; resolves with what it got and when it closed. */
function client(port: number, head: string, more?: (socket: net.Socket) => void): { socket: net.Socket; closed: Promise<{ text: string; afterMs: number }> } {
  const began = performance.now();
  const socket = net.connect(port, '127.0.0.1', () => {
    socket.write(head);
    more?.(socket);
  });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => socket.on('close', () => resolve({ text, afterMs: performance.now() - began })));
  return { socket, closed };
}

/** Resolves with the outcome, or 'still open' when the connection is not closed within `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> => Promise.race([promise, new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms).unref())]);

const POST = 'POST /entities/web/sensors/load HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n';

describe('serve() requestTimeoutMs', () => {
  it.each([
    ['headers with a Content-Length and no body', `${POST}Content-Length: 20\r\n\r\n`, undefined],
    ['a chunked body that never ends', `${POST}Transfer-Encoding: chunked\r\n\r\n`, (socket: net.Socket) => {
      const tick = setInterval(() => (socket.writable ? socket.write('1\r\n \r\n') : clearInterval(tick)), 20);
      socket.on('close', () => clearInterval(tick));
    }],
    ['a body sent a byte at a time', `${POST}Content-Length: 100000\r\n\r\n`, (socket: net.Socket) => {
      const tick = setInterval(() => (socket.writable ? socket.write(' ') : clearInterval(tick)), 20);
      socket.on('close', () => clearInterval(tick));
    }],
  ])('answers %s with 408 and closes the connection within the timeout', async (_name, head, more) => {
    const port = await start(TIMEOUT_MS);
    const outcome = await within(client(port, head, more).closed, 10_000);
    expect(outcome).not.toBe('still open');
    const { text, afterMs } = outcome as { text: string; afterMs: number };
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(afterMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
    // the timeout, and at most one check of the connections (a quarter of it) late, with room for a busy machine
    expect(afterMs).toBeLessThan(TIMEOUT_MS + 2_000);
  }, 20_000);

  it('does not cut a /stream, whose response lasts past the timeout', async () => {
    const port = await start(TIMEOUT_MS);
    const stream = client(port, 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await within(stream.closed, TIMEOUT_MS * 5)).toBe('still open');
    stream.socket.destroy();
    const { text } = await stream.closed;
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(text).toContain('retry: 2000');
  }, 20_000);

  it('refuses a timeout that is not a whole number of ms from 1 to 600 000, naming it', async () => {
    for (const ms of [0, -1, 1.5, Number.NaN, 600_001]) {
      expect(() => requestTimeoutOptions(ms, 'serve() requestTimeoutMs')).toThrow(ValidationError);
      expect(() => requestTimeoutOptions(ms, 'serve() requestTimeoutMs')).toThrow(`serve() requestTimeoutMs: must be a whole number of ms from 1 to 600000, got ${String(ms)}`);
    }
    deployment = await Deployment.create(await loadBlueprint(path.join(import.meta.dirname, 'fixtures/service.yaml')));
    await expect(serve(deployment, { port: 0, requestTimeoutMs: 0 })).rejects.toThrow('serve() requestTimeoutMs: must be a whole number');
  });
});
