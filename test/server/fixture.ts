import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { KnowledgeStore } from '../../src/knowledge/store.js';
import type { AuthSettings } from '../../src/server/auth.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

export const TOKENS = {
  admin: 'admin-token-000000000000',
  operator: 'operator-token-00000000',
  viewer: 'viewer-token-0000000000',
  scoped: 'scoped-operator-token-00',
} as const;

/** A running API over a small deployment in virtual time: web (cluster, 2 servers) and db, under app. */
export async function apiFixture(options: { store?: KnowledgeStore; auth?: Partial<AuthSettings> } = {}) {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: api
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
      sensors: [{ name: demand, type: number, staleAfter: 1h }]
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, max: 5, evaluationInterval: 1h }
    - id: db
      type: sim.database
      config: { role: primary }
`, path.resolve('api.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock, ...(options.store ? { store: options.store } : {}) });
  deployment.start();
  await clock.advanceBy(2000);
  const { app, url } = await serve(deployment, {
    port: 0,
    auth: {
      tokens: [
        { token: TOKENS.admin, name: 'alice', role: 'admin' },
        { token: TOKENS.operator, name: 'oscar', role: 'operator' },
        { token: TOKENS.viewer, name: 'vera', role: 'viewer' },
        { token: TOKENS.scoped, name: 'dana', role: 'operator', scope: 'db' },
      ],
      jwtSecret: 'a-jwt-secret-of-at-least-32-characters!!',
      ...options.auth,
    },
  });
  const call = async (method: string, route: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown = text;
    try {
      json = JSON.parse(text);
    } catch {
      // not JSON (metrics)
    }
    return { status: response.status, body: json as Record<string, unknown> & Array<Record<string, unknown>>, text };
  };
  const close = async () => {
    await app.close();
    await deployment.stop();
  };
  return { clock, deployment, url, call, close };
}
