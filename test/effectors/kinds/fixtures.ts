import { createServer, type IncomingMessage, type Server } from 'node:http';
import path from 'node:path';
import { map } from 'rxjs';
import { z } from 'zod';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { definePolicy } from '../../../src/policies/define-policy.js';

/** A request as the test server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly at: number;
}

/** A real HTTP server on a free loopback port; `answer` decides each response. */
export async function testServer(answer: (req: SeenRequest, n: number) => { status: number; delayMs?: number; body?: string }): Promise<{ url: string; seen: SeenRequest[]; server: Server; close(): Promise<void> }> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString(), at: performance.now() };
      seen.push(request);
      const { status, delayMs = 0, body = '' } = answer(request, seen.length);
      const timer = setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(body), delayMs);
      res.on('close', () => clearTimeout(timer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    server,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** A policy that asks for one action each time the `trigger` sensor gets a reading (the reading is the params). */
export const poke = definePolicy({
  name: 'poke',
  config: z.object({ effector: z.string() }),
  monitor: ({ entity }) => entity.sensor<Record<string, unknown>>('trigger').observations$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'poke', inputs: [o], detail: { params: o.value } }))),
  plan: (symptom, { entity, config }) => ({ actions: [{ entity: entity.id, effector: config.effector, params: symptom.detail?.['params'] as Record<string, unknown> }], reason: 'poked by the test' }),
});

/** Deploys (in real time) an entity `svc` with the given effectors YAML and the poke policy on `effector`. */
export async function deployEffectors(effectorsYaml: string, effector: string): Promise<Deployment> {
  const text = `name: kinds\napplication:\n  id: svc\n  config: { region: eu-1 }\n  sensors: [{ name: trigger, type: json }]\n  effectors:\n${effectorsYaml}\n  policies:\n    - module: poke\n      config: { effector: ${effector} }\n`;
  const blueprint = await parseBlueprint(text.replace('module: poke', 'use: poke'), path.resolve('kinds.yaml'), { policies: new Map([['poke', poke]]) });
  const deployment = await Deployment.create(blueprint);
  deployment.start();
  return deployment;
}
