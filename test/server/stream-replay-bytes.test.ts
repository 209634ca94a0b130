// The /stream replay buffer is bounded by bytes as well as by events: large events push the oldest out, and a
// client resuming from before what is kept is told so with a gap event.
import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { EventHub } from '../../src/server/event-stream.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

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

/** A raw stream client that reads; `text()` is what it got so far. */
function streamClient(port: number, headers = ''): { socket: net.Socket; opened: Promise<void>; text: () => string } {
  const socket = net.connect(port, '127.0.0.1');
  sockets.push(socket);
  let received = '';
  let markOpened: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (markOpened = resolve));
  socket.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    if (received.includes('retry: 2000')) markOpened();
  });
  socket.on('error', () => undefined);
  socket.write(`GET /stream?subtree=web&types=sensor HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  return { socket, opened, text: () => received };
}

describe('EventHub replay bounds', () => {
  it('drops the oldest events once their JSON passes maxBytes, keeping ids consecutive', () => {
    const hub = new EventHub({ maxBytes: 10_000 });
    for (let n = 1; n <= 10; n++) hub.publish('sensor', 'web', { n, pad: 'x'.repeat(2_980) });
    // each event is about 3 KB: three fit in 10,000 bytes
    expect(hub.size).toBe(3);
    expect(hub.bytes).toBeLessThanOrEqual(10_000);
    expect(hub.oldestId).toBe(8);
    expect(hub.newestId).toBe(10);
    expect(hub.since(0, () => true).map((e) => e.id)).toEqual([8, 9, 10]);
    expect(hub.since(8, () => true).map((e) => e.id)).toEqual([9, 10]);
    expect(hub.since(10, () => true)).toEqual([]);
  });

  it('keeps the newest event even when it alone is larger than maxBytes, and still bounds by events', () => {
    const hub = new EventHub({ maxBytes: 100, maxEvents: 1_000 });
    hub.publish('sensor', 'web', { pad: 'x'.repeat(500) });
    expect(hub.size).toBe(1);
    expect(hub.oldestId).toBe(1);
    const small = new EventHub({ maxEvents: 5 });
    for (let n = 1; n <= 5_000; n++) small.publish('decision', 'web', n);
    expect(small.size).toBe(5);
    expect(small.since(0, () => true).map((e) => e.json)).toEqual(['4996', '4997', '4998', '4999', '5000']);
  });

  it('serializes a decision only when a client takes it: at once while one listens, else when a resumed stream asks', () => {
    const hub = new EventHub();
    let serialized = 0;
    const decision = (n: number) => ({ n, toJSON: () => (serialized++, { n }) });
    for (let n = 1; n <= 1_000; n++) hub.publish('decision', 'web', decision(n));
    // with the service attached every decision comes here: nobody listens, so no JSON is made for nobody
    expect(serialized).toBe(0);
    expect(hub.bytes).toBe(0);
    expect(hub.since(998, () => true).map((e) => e.json)).toEqual(['{"n":999}', '{"n":1000}']);
    expect(serialized).toBe(2);
    hub.since(998, () => true).forEach((e) => e.json);
    expect(serialized).toBe(2); // once each
    const sent: string[] = [];
    hub.subscribe((e) => sent.push(e.json));
    hub.publish('decision', 'web', decision(1_001));
    expect(sent).toEqual(['{"n":1001}']);
    expect(hub.bytes).toBe(Buffer.byteLength('{"n":1001}'));
    // a reading is always serialized and counted: it may be large, and is published only for watched sensors
    hub.publish('sensor', 'web', { v: 1 });
    expect(hub.bytes).toBe(Buffer.byteLength('{"n":1001}') + Buffer.byteLength('{"v":1}'));
  });

  it('publishes data that is not JSON as an event saying so, rather than failing', () => {
    const hub = new EventHub();
    hub.publish('sensor', 'web', { big: 1n });
    expect(JSON.parse(hub.since(0, () => true)[0]?.json ?? '')).toEqual({ error: expect.stringContaining("this event's data is not JSON") });
  });
});

describe('/stream and a replay buffer bounded by bytes', () => {
  it('keeps at most streamReplayBytes of large events, and tells a client resuming from before them of the gap', async () => {
    const blueprint = await parseBlueprint('name: s\napplication:\n  id: app\n  children:\n    - id: web\n      sensors: [{ name: blob, type: json }]\n', path.resolve('stream.yaml'));
    deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    app = Fastify();
    await app.register(homeostatPlugin, { deployment, streamReplayBytes: 64 * 1024, docs: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    const watcher = streamClient(port); // sensor events exist while a stream watches the subtree
    await watcher.opened;
    const sensor = deployment.tree.get('web').sensor<unknown>('blob');
    // 20 readings of about 10 KB: 200 KB, of which the buffer keeps the newest 64 KiB (6 of them)
    for (let n = 1; n <= 20; n++) sensor.publish({ n, pad: 'x'.repeat(10_000) });
    for (let waited = 0; !watcher.text().includes('id: 20\n') && waited < 10_000; waited += 20) await turn(20);
    const resumed = streamClient(port, 'Last-Event-ID: 1\r\n');
    await resumed.opened;
    for (let waited = 0; !resumed.text().includes('id: 20\n') && waited < 10_000; waited += 20) await turn(20);
    const text = resumed.text();
    expect(text).toMatch(/event: gap\ndata: \{"after":1,"next":15,"reason":"events 2 to 14 are no longer in the replay buffer; reload what you show"\}/);
    expect(idsIn(text)).toEqual([15, 16, 17, 18, 19, 20]);
  }, 30_000);
});
