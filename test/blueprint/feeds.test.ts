import { createServer as createHttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const servers: Array<{ close(): unknown }> = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

async function deploy(feeds: string) {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`name: feeds\napplication:\n  id: app\n  children:\n    - id: db\n      feeds:\n${feeds}\n      sensors: [{ name: http.ok, type: boolean }]\n`, path.resolve('feeds.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  return { clock, deployment, db: deployment.tree.get('db') };
}

describe('health feeds in blueprints (real connections)', () => {
  it('a TCP check feeds service.up: up while the port accepts, down once it stops', async () => {
    const server = createServer((socket) => socket.end());
    const port = await listen(server);
    const { clock, db, deployment } = await deploy(`        - { every: 10s, tcp: { host: 127.0.0.1, port: ${port}, timeout: 1s } }`);
    await clock.settle();
    await vi.waitFor(() => expect(db.sensor('service.up').value).toBe(true));
    server.close();
    await clock.advanceBy(10_000);
    await vi.waitFor(() => expect(db.sensor('service.up').current?.value).toBe(false));
    await deployment.stop();
  });

  it('an HTTP check feeds a boolean sensor with the expected status', async () => {
    let status = 200;
    const port = await listen(createHttpServer((_req, res) => res.writeHead(status).end()));
    const { clock, db, deployment } = await deploy(`        - { sensor: http.ok, every: 15s, http: { url: "http://127.0.0.1:${port}/health", timeout: 1s } }`);
    await clock.settle();
    await vi.waitFor(() => expect(db.sensor('http.ok').value).toBe(true));
    status = 503;
    await clock.advanceBy(15_000);
    await vi.waitFor(() => expect(db.sensor('http.ok').current?.value).toBe(false));
    await deployment.stop();
  });

  it('refuses a feed with both or neither check, or a sensor the entity lacks', async () => {
    const error = await parseBlueprint(`name: f\napplication:\n  id: app\n  feeds:\n    - { tcp: { host: a, port: 1 }, http: { url: "http://a" } }\n    - { sensor: nope, tcp: { host: a, port: 1 } }\n`, 'f.yaml').catch((e: unknown) => e);
    const messages = (error as BlueprintError).problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages.some((m) => m.startsWith("5: ") && m.includes("exactly one of 'tcp' or 'http'"))).toBe(true);
    expect(messages.some((m) => m.startsWith('6: ') && m.includes("reads sensor 'nope'"))).toBe(true);
  });
});
