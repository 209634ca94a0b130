// The replay a client resuming with Last-Event-ID gets counts against streamBacklogBytes as live events do:
// one that reads none of it holds at most about the bound and is cut after streamStallMs; one that reads gets
// the replay in pieces of about the bound, each stream ending where it resumes, in order and with no gap.
import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const EVENTS = 6_000;
/** Each event's data: about 4 KB, so that the replay (about 24 MB) is more than the loopback's kernel buffers take. */
const PAD = 'x'.repeat(4_000);

let app: FastifyInstance | undefined;
let deployment: Deployment | undefined;
const sockets: net.Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await app?.close();
  await deployment?.stop();
  app = undefined;
  deployment = undefined;
});

const turn = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const idsIn = (text: string): number[] => [...text.matchAll(/id: (\d+)\nevent: sensor/g)].map((m) => Number(m[1]));

/**
 * A raw stream client. One that `reads` resolves `settled` once its stream ended (its last chunk came) or it got
 * the event with id `last`; one that does not reads nothing at all, so that the kernel's buffers fill.
 */
function streamClient(port: number, reads: boolean, headers = '', last = EVENTS): { socket: net.Socket; opened: Promise<void>; settled: Promise<void>; closed: Promise<string> } {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  if (!reads) socket.pause();
  const received: string[] = [];
  let tail = '';
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  let markSettled: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (markSettled = resolve));
  socket.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    received.push(text);
    // the end of what came before and this chunk: a marker may straddle two chunks
    const recent = tail + text;
    tail = recent.slice(-32);
    if (recent.includes('retry: 2000')) markOpened();
    if (recent.endsWith('\r\n0\r\n\r\n') || recent.includes(`id: ${last}\n`)) markSettled();
  });
  const closed = new Promise<string>((resolve) => {
    socket.on('close', () => resolve(received.join('')));
    socket.on('error', () => undefined);
  });
  socket.write(`GET /stream?subtree=web&types=sensor HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  return { socket, opened, settled, closed };
}

/**
 * A service whose replay buffer holds EVENTS sensor events of about 4 KB each (ids 1 to EVENTS), published
 * in bursts a reading watcher keeps up with (sensor events exist while a stream watches the subtree).
 */
async function filledService(backlogBytes: number, stallMs: number): Promise<{ port: number; serverSockets: net.Socket[] }> {
  const blueprint = await parseBlueprint('name: s\napplication:\n  id: app\n  children:\n    - id: web\n      sensors: [{ name: blob, type: json }]\n', path.resolve('stream.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
  deployment.start();
  app = Fastify();
  await app.register(homeostatPlugin, { deployment, streamBacklogBytes: backlogBytes, streamStallMs: stallMs, docs: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const serverSockets: net.Socket[] = [];
  app.server.on('connection', (socket: net.Socket) => serverSockets.push(socket));
  const port = (app.server.address() as net.AddressInfo).port;
  const watcher = streamClient(port, true);
  await watcher.opened;
  let watched = 0;
  watcher.socket.on('data', (chunk: Buffer) => (watched += chunk.toString().split('\nevent: sensor').length - 1));
  const sensor = deployment.tree.get('web').sensor<unknown>('blob');
  for (let n = 1; n <= EVENTS; n++) {
    sensor.publish({ n, pad: PAD });
    if (n % 10 === 0) await turn();
  }
  await Promise.race([watcher.settled, turn(10_000)]);
  // the premise: every event was published (the watcher kept up, so its stream never ended)
  expect(watched).toBe(EVENTS);
  return { port, serverSockets };
}

describe('/stream resumed with Last-Event-ID and the backlog bound', () => {
  it('holds at most about streamBacklogBytes of the replay for a client that reads none of it, and cuts it after streamStallMs', async () => {
    // a bound above what the loopback's kernel buffers take, so that some of what is written waits on the
    // service's side; the replay (about 24 MB) is above it
    const backlog = 16 * 1024 * 1024;
    const { port, serverSockets } = await filledService(backlog, 300);
    streamClient(port, false, 'Last-Event-ID: 1\r\n');
    for (let waited = 0; serverSockets.length < 2 && waited < 10_000; waited += 10) await turn(10);
    const server = serverSockets[1] as net.Socket;
    for (let waited = 0; server.bytesWritten === 0 && waited < 10_000; waited += 10) await turn(10);
    // the replay is written in the turn the stream opens, until the bound: what the connection was given (taken
    // by the kernel or waiting) is the bound, give or take the event that crossed it; it was the whole replay
    expect(server.bytesWritten).toBeGreaterThan(backlog);
    expect(server.bytesWritten).toBeLessThan(backlog + 16 * 1024);
    // the client never reads and never closes: the service's side is cut after streamStallMs (it was held for
    // as long as the client stayed)
    for (let waited = 0; !server.destroyed && waited < 10_000; waited += 50) await turn(50);
    expect(server.destroyed).toBe(true);
  }, 60_000);

  it('ends, past streamBacklogBytes, the replay of a client whose kernel buffers take it all, having written no more than the bound', async () => {
    const backlog = 64 * 1024;
    const { port, serverSockets } = await filledService(backlog, 300);
    const resumed = streamClient(port, false, 'Last-Event-ID: 1\r\n');
    for (let waited = 0; serverSockets.length < 2 && waited < 10_000; waited += 10) await turn(10);
    const server = serverSockets[1] as net.Socket;
    for (let waited = 0; server.bytesWritten === 0 && waited < 10_000; waited += 10) await turn(10);
    expect(server.bytesWritten).toBeGreaterThan(backlog);
    expect(server.bytesWritten).toBeLessThan(backlog + 16 * 1024);
    // what was written is all of it: the stream's last chunk was written too (the client resumes from there)
    resumed.socket.resume();
    await Promise.race([resumed.settled, turn(10_000)]);
    resumed.socket.destroy();
    expect(await resumed.closed).toMatch(/\r\n0\r\n\r\n$/);
  }, 60_000);

  it('gives a reading client the whole replay across resumes, each stream ending past the bound, in order with no gap', async () => {
    const { port } = await filledService(64 * 1024, 30_000);
    const got: number[] = [];
    let streams = 0;
    while (got.length < EVENTS - 1 && streams < 1_000) {
      streams++;
      const resumed = streamClient(port, true, `Last-Event-ID: ${got.at(-1) ?? 1}\r\n`);
      // a stream that ended (past the bound) sends its last chunk; one that had room for the rest stays open
      await Promise.race([resumed.settled, turn(10_000)]);
      resumed.socket.destroy();
      const text = await resumed.closed;
      expect(text).not.toContain('event: gap');
      got.push(...idsIn(text));
    }
    expect(got).toEqual(Array.from({ length: EVENTS - 1 }, (_, i) => i + 2));
    // the replay did not go in one piece (about 24 MB against a bound of 64 KiB)
    expect(streams).toBeGreaterThan(1);
  }, 120_000);
});
