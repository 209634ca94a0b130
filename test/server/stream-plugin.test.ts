import path from 'node:path';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { TOKENS, apiFixture } from './fixture.js';

type Event = { id: number; event: string; data: Record<string, unknown> };

/**
 * Opens an SSE stream; `connected` resolves at the first chunk (the server subscribes the client before it
 * writes anything, so events published after that reach it), `events` once `count` events arrived.
 */
function openStream(url: string, token: string, count: number, headers: Record<string, string> = {}): { connected: Promise<void>; events: Promise<Event[]> } {
  let markConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (markConnected = resolve));
  return { connected, events: readEvents(url, token, count, headers, markConnected) };
}

/** Reads SSE events from a stream until `count` arrived, then aborts. */
async function readEvents(url: string, token: string, count: number, headers: Record<string, string> = {}, onFirstChunk: () => void = () => undefined): Promise<Event[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...headers }, signal: controller.signal });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const events: Event[] = [];
  let buffer = '';
  let first = true;
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first) {
      first = false;
      onFirstChunk();
    }
    buffer += new TextDecoder().decode(value);
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').filter((l) => !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)]));
      if (fields['data'] !== undefined) events.push({ id: Number(fields['id']), event: String(fields['event']), data: JSON.parse(String(fields['data'])) as Record<string, unknown> });
    }
  }
  controller.abort();
  return events;
}

describe('live stream (SSE)', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api?.close());

  it('streams sensor changes and decisions of a subtree, and resumes after Last-Event-ID', async () => {
    const stream = openStream(`${api.url}/stream?subtree=web`, TOKENS.viewer, 10);
    await stream.connected;
    const live = stream.events;
    api.deployment.tree.get('db').sensor('replication.lag').publish(3); // outside the subtree: never sent
    api.deployment.tree.get('web').sensor('demand').publish(4); // demand, then the new members' lifecycle, then the decision
    await api.clock.settle();
    const events = await live;
    expect(events[0]).toMatchObject({ event: 'sensor', data: { entity: 'web', sensor: 'demand', value: 4 } });
    expect(events.find((e) => e.event === 'decision')?.data).toMatchObject({ policy: 'web/autoscaler', outcome: 'applied' });
    expect(events.every((e) => e.data['entity'] !== 'db')).toBe(true);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    // a client that saw only the first event reconnects and gets exactly the rest, from the buffer
    const resumed = await readEvents(`${api.url}/stream?subtree=web`, TOKENS.viewer, events.length - 1, { 'last-event-id': String(events[0]?.id) });
    expect(resumed.map((e) => e.id)).toEqual(events.slice(1).map((e) => e.id));
  });

  it('filters by type and refuses unknown types and subtrees outside the scope', async () => {
    expect((await fetch(`${api.url}/stream?types=gossip`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } })).status).toBe(400);
    expect((await fetch(`${api.url}/stream?subtree=web`, { headers: { authorization: `Bearer ${TOKENS.scoped}` } })).status).toBe(403);
  });
});

describe('embedded as a fastify plugin', () => {
  it('mounts under a prefix in a host app, with the host registry and logger', async () => {
    const clock = new VirtualClock();
    const blueprint = await parseBlueprint('name: host\napplication:\n  id: app\n  children:\n    - { id: db, type: sim.database }\n', path.resolve('host.yaml'));
    const deployment = await Deployment.create(blueprint, { scheduler: clock });
    deployment.start();
    const logs: string[] = [];
    const host = Fastify({ logger: { level: 'info', stream: { write: (line: string) => void logs.push(line) } } });
    const registry = new Registry();
    host.get('/', async () => ({ app: 'host' }));
    await host.register(homeostatPlugin, { prefix: '/ops/homeostat', deployment, registry });
    const tree = await host.inject({ method: 'GET', url: '/ops/homeostat/entities' });
    expect(tree.statusCode).toBe(200);
    expect(tree.json()).toMatchObject({ id: 'app', children: [{ id: 'db' }] });
    expect((await host.inject({ method: 'GET', url: '/' })).json()).toEqual({ app: 'host' });
    expect(await registry.getSingleMetricAsString('homeostat_entities')).toContain('homeostat_entities{type="sim.database",state="running"} 1');
    expect(logs.some((l) => l.includes('/ops/homeostat/entities'))).toBe(true);
    await host.close();
    await deployment.stop();
  });
});
