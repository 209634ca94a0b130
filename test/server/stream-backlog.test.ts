import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { gapAfter } from '../../src/server/routes-stream.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** A service with one entity whose sensor events a stream can watch, its backlog bound set to `backlogBytes`. */
async function service(backlogBytes: number, stallMs = 30_000): Promise<{ app: FastifyInstance; port: number; deployment: Deployment; publish: (n: number) => void }> {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint('name: s\napplication:\n  id: app\n  children:\n    - id: web\n      sensors: [{ name: load, type: number }]\n', path.resolve('stream.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  const app = Fastify();
  await app.register(homeostatPlugin, { deployment, streamBacklogBytes: backlogBytes, streamStallMs: stallMs, docs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as net.AddressInfo).port;
  const sensor = deployment.tree.get('web').sensor<number>('load');
  let value = 0;
  // each reading is a stream event of ~100 bytes; the padding of the value's digits keeps them distinct
  const publish = (n: number): void => {
    for (let i = 0; i < n; i++) sensor.publish((value += 1) + 0.123456789);
  };
  return { app, port, deployment, publish };
}

/** A raw client: sends the stream request, then reads nothing until told (a stalled dashboard). */
function stalledClient(port: number, headers = ''): { socket: net.Socket; opened: Promise<void>; closed: Promise<string>; received: () => string } {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  let open = false;
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    if (!open && received.includes('retry: 2000')) {
      open = true;
      markOpened();
      socket.pause();
    }
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received));
    socket.on('error', () => undefined);
  });
  socket.write(`GET /stream?subtree=web&types=sensor HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  return { socket, opened, closed, received: () => received };
}

let running: Array<{ app: FastifyInstance; deployment: Deployment }> = [];
afterEach(async () => {
  for (const r of running) {
    await r.app.close();
    await r.deployment.stop();
  }
  running = [];
});

/** The ids of the sensor events in what a raw client received, in order. */
const idsIn = (text: string): number[] => [...text.matchAll(/id: (\d+)\nevent: sensor/g)].map((m) => Number(m[1]));
const turn = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What a client resuming after `fromId` gets until it has event `lastId`: a replay past the backlog bound ends
 * each stream, and the client resumes with the last id it got. Returns what each stream sent, in order.
 */
async function resumeUntil(port: number, fromId: number, lastId: number): Promise<string[]> {
  const texts: string[] = [];
  let after = fromId;
  for (let streams = 0; after < lastId && streams < 1_000; streams++) {
    const resumed = stalledClient(port, `Last-Event-ID: ${after}\r\n`);
    await resumed.opened;
    resumed.socket.resume();
    for (let waited = 0; !resumed.received().endsWith('\r\n0\r\n\r\n') && !resumed.received().includes(`id: ${lastId}\n`) && waited < 10_000; waited += 20) await turn(20);
    resumed.socket.destroy();
    const text = await resumed.closed;
    texts.push(text);
    after = idsIn(text).at(-1) ?? after;
  }
  return texts;
}

describe('/stream and a client that stops reading', () => {
  it('holds at most streamBacklogBytes for a client that takes nothing, and cuts it after streamStallMs', async () => {
    const limit = 16 * 1024 * 1024; // more than the loopback's kernel buffers take, so the service's side fills
    const s = await service(limit, 300);
    running.push(s);
    const serverSockets: net.Socket[] = [];
    s.app.server.on('connection', (socket: net.Socket) => serverSockets.push(socket));
    const client = stalledClient(s.port);
    await client.opened;
    let most = 0;
    for (let burst = 0; burst < 80 && most < limit; burst++) {
      s.publish(10_000); // ~1 MB of events
      await turn();
      most = Math.max(most, serverSockets[0]?.writableLength ?? 0);
    }
    expect(most).toBeGreaterThan(limit / 2);
    expect(most).toBeLessThan(limit + 4096); // the bound, give or take the event that crossed it
    // nothing more is written for it, however much follows
    s.publish(20_000);
    expect(serverSockets[0]?.writableLength ?? 0).toBeLessThan(limit + 4096);
    // the client never closes it itself (and, reading nothing, does not notice): the service's side is cut
    const connections = (): Promise<number> => new Promise((resolve, reject) => s.app.server.getConnections((error, n) => (error ? reject(error) : resolve(n))));
    let open = await connections();
    for (let waited = 0; open > 0 && waited < 10_000; waited += 50) {
      await turn(50);
      open = await connections();
    }
    expect(open).toBe(0);
    client.socket.destroy();
    // the others are not held up: a new client streams what comes next
    const fresh = stalledClient(s.port);
    await fresh.opened;
    fresh.socket.resume();
    s.publish(3);
    await turn(50);
    fresh.socket.destroy();
    expect(idsIn(await fresh.closed)).toHaveLength(3);
  }, 60_000);

  it('ends the stream of a reading client past the bound, having given it every event up to there; it resumes with no loss', async () => {
    const s = await service(64 * 1024);
    running.push(s);
    const client = stalledClient(s.port);
    await client.opened;
    client.socket.resume();
    s.publish(9_000); // ~900 KB in one turn: far past 64 KiB before the client can take any
    // the stream ends (the last chunk of the response) once the client has taken what was written
    for (let waited = 0; !client.received().includes('\r\n0\r\n\r\n') && waited < 10_000; waited += 20) await turn(20);
    expect(client.received()).toContain('\r\n0\r\n\r\n');
    client.socket.destroy();
    const got = idsIn(await client.closed);
    expect(got.length).toBeGreaterThan(0);
    expect(got.length).toBeLessThan(9_000);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i + 1));
    // the replay is past the bound too: it comes in pieces, each stream ending where the next resumes
    const rest = await resumeUntil(s.port, got.length, 9_000);
    expect(rest.join('')).not.toContain('event: gap');
    expect(rest.flatMap(idsIn)).toEqual(Array.from({ length: 9_000 - got.length }, (_, i) => got.length + i + 1));
  });

  it('keeps a client that reads, however many events pass in bursts under the bound', async () => {
    const s = await service(64 * 1024);
    running.push(s);
    const client = stalledClient(s.port);
    await client.opened;
    client.socket.resume();
    let closedEarly = false;
    void client.closed.then(() => (closedEarly = true));
    for (let burst = 0; burst < 20; burst++) {
      s.publish(200);
      await turn(5);
    }
    await turn(50);
    expect(closedEarly).toBe(false);
    client.socket.destroy();
    expect(idsIn(await client.closed)).toHaveLength(4_000);
  });

  it('tells a resuming client what it may have missed', () => {
    expect(gapAfter(50, 41, 10_040)).toBeUndefined();
    expect(gapAfter(40, 41, 10_040)).toBeUndefined();
    expect(gapAfter(10, 41, 10_040)).toEqual({ after: 10, next: 41, reason: 'events 11 to 40 are no longer in the replay buffer; reload what you show' });
    expect(gapAfter(5_000, 1, 12)).toMatchObject({ after: 5_000, next: 13, reason: expect.stringContaining('the service restarted') });
  });

  it('sends the gap event first when the replay buffer no longer holds what followed Last-Event-ID', async () => {
    const s = await service(64 * 1024);
    running.push(s);
    const watcher = stalledClient(s.port); // sensor events exist while someone streams the subtree
    await watcher.opened;
    watcher.socket.resume();
    for (let burst = 0; burst < 60; burst++) {
      s.publish(200);
      await turn(2);
    }
    const texts = await resumeUntil(s.port, 5, 12_000);
    watcher.socket.destroy();
    const text = texts[0] ?? '';
    expect(text).toMatch(/event: gap\ndata: \{"after":5,"next":2001,"reason":"events 6 to 2000 are no longer in the replay buffer/);
    expect(text.indexOf('event: gap')).toBeLessThan(text.indexOf('event: sensor'));
    // the streams after the first resumed within what the buffer holds
    expect(texts.slice(1).join('')).not.toContain('event: gap');
    expect(texts.flatMap(idsIn)).toEqual(Array.from({ length: 10_000 }, (_, i) => 2001 + i));
  });
});
