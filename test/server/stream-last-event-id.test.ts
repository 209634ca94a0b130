import net from 'node:net';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { gapAfter } from '../../src/server/routes-stream.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/**
 * A Last-Event-ID that is not an event id (ids are whole numbers from 1: not '-5', '', '0x10' or '1e3', which
 * Number() would take) is refused with a 400 naming it, and a gap never names ids below 1.
 */
let app: FastifyInstance | undefined;
let deployment: Deployment | undefined;
afterEach(async () => {
  await app?.close();
  await deployment?.stop();
});

async function firstBytes(port: number, headers: string): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let received = '';
  return new Promise<string>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
      if (received.includes('\r\n\r\n') && (received.startsWith('HTTP/1.1 4') || received.includes('retry: 2000'))) {
        // give the route a moment to write what follows the retry line (the gap, the replay)
        setTimeout(() => {
          socket.destroy();
          resolve(received);
        }, 50);
      }
    });
    socket.on('error', () => resolve(received));
    socket.write(`GET /stream?subtree=web&types=sensor HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
  });
}

describe('/stream and a Last-Event-ID that is no event id', () => {
  it('gapAfter names no event ids below 1', () => {
    expect(gapAfter(-5, 1, 10)).toBeUndefined();
    expect(gapAfter(-5, 4, 10)?.reason).toMatch(/^events 1 to 3 are no longer/);
  });

  it('is refused with 400 naming the header, as a non-integer id is', async () => {
    const blueprint = await parseBlueprint('name: s\napplication:\n  id: app\n  children:\n    - id: web\n      sensors: [{ name: load, type: number }]\n', path.resolve('stream.yaml'));
    deployment = await Deployment.create(blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    app = Fastify();
    await app.register(homeostatPlugin, { deployment, docs: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as net.AddressInfo).port;
    const sensor = deployment.tree.get('web').sensor<number>('load');
    // the stream taps the sensor only while streamed: open one so the hub holds events
    const tap = net.connect(port, '127.0.0.1');
    tap.write('GET /stream?subtree=web&types=sensor HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => tap.once('data', resolve));
    for (let i = 1; i <= 3; i++) sensor.publish(i + 0.5);
    for (const id of ['-5', '', '0x10', '1e3', '1.5', '99999999999999999999']) {
      const answer = await firstBytes(port, `Last-Event-ID: ${id}\r\n`);
      expect(answer).not.toContain('event: gap');
      expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
      expect(answer).toContain(`Last-Event-ID must be an event id (a whole number), got '${id}'`);
    }
    // a real id resumes as before: the two events after it
    const resumed = await firstBytes(port, 'Last-Event-ID: 1\r\n');
    tap.destroy();
    expect(resumed.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect([...resumed.matchAll(/id: (\d+)\nevent: sensor/g)].map((m) => Number(m[1]))).toEqual([2, 3]);
  });
});
