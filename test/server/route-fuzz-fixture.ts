import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { PolicyFault } from '../../src/knowledge/decision.js';
import { homeostatPlugin } from '../../src/server/plugin.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** Tokens of the fuzzed service, by the caller each stands for. */
export const FUZZ_TOKENS = {
  admin: 'fuzz-admin-token-0000000',
  operator: 'fuzz-operator-token-0000',
  viewer: 'fuzz-viewer-token-000000',
  scoped: 'fuzz-scoped-token-000000',
  tenant: 'fuzz-tenant-token-000000',
} as const;

/** The Alertmanager receiver's own token. */
export const ALERTMANAGER_TOKEN = 'fuzz-alertmanager-token-0000';

/** One answer of the fuzzed service: status, headers and the body as text (and as JSON when it is JSON). */
export interface FuzzAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly json: unknown;
}

/** A request as the fuzz sends it: the body is sent as is (text), with the content type given (if any). */
export interface FuzzRequest {
  readonly method: string;
  /** Path and query string, already encoded (so that malformed encodings can be sent). */
  readonly target: string;
  readonly token?: string | undefined;
  readonly body?: string | undefined;
  readonly contentType?: string | undefined;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * The API over a small deployment in virtual time (nothing moves unless the clock is advanced; `faults` collects every policy fault), served by the
 * plugin with the Alertmanager receiver on, and a short invocation wait so that an effector that would take
 * virtual time answers 202 at once. `state()` is what a refused request must leave as it was: the tree
 * (entities, states, members, configs, sensor values) and the policies (status and config).
 */
export async function routeFuzzService() {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: fuzz
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec:
        type: sim.server
        config: { bootTime: 1s }
        policies: [{ use: restarter, config: { failureDelay: 10s, recheckInterval: 30s, maxBackoff: 2m, maxRestarts: 2, window: 5m } }]
      sensors:
        - { name: demand, type: number, pushable: true, staleAfter: 1h }
        - { name: label, type: string, pushable: true }
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, max: 5, evaluationInterval: 1h }
    - id: db
      type: sim.database
      config: { role: primary }
      sensors: [{ name: vulnerabilities, type: json, pushable: true }, { name: alerts, type: json }, { name: alert.HighErrorRate, type: boolean }]
    - id: swim
      type: sim.swim
      config: { maxServers: 3, initialServers: 3, bootDelay: 60s, period: 60s }
      policies:
        - use: autoscaler
          config:
            metrics: [{ sensor: arrival.rate, target: 24, basis: total }, { sensor: utilization, target: 0.8 }]
            readySensor: servers.active
            max: 3
            evaluationInterval: 5s
            scaleUp: { stabilization: 60s }
            urgency: { sensor: response.time, above: 0.75, rise: { sensor: arrival.rate, atMost: 1.6 } }
        - use: brownout
          config:
            utilizationSensor: utilization
            bootingSensor: servers.booting
            maxSize: 3
            overload: { responseTime: 0.75, step: 0.5, release: restore }
            raiseBy: headroom
            high: { responseTime: 0.4, utilization: 0.85 }
            low: { responseTime: 0.2, utilization: 0.6 }
    - id: shop
      tenant: acme
      sensors: [{ name: notes, type: json, pushable: true }]
`, path.resolve('fuzz.yaml'));
  const stateDir = mkdtempSync(path.join(tmpdir(), 'homeostat-route-fuzz-'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock, stateDir });
  const faults: PolicyFault[] = [];
  deployment.engine.faults$.subscribe((f) => faults.push(f));
  deployment.start();
  await clock.advanceBy(2000);
  const app = Fastify({ logger: false });
  await app.register(homeostatPlugin, {
    deployment,
    registry: new Registry(),
    serveMetrics: true,
    protectMetrics: false,
    invokeWaitMs: 20,
    stopGraceMs: 0,
    alertmanager: { token: ALERTMANAGER_TOKEN },
    auth: {
      tokens: [
        { token: FUZZ_TOKENS.admin, name: 'alice', role: 'admin' },
        { token: FUZZ_TOKENS.operator, name: 'oscar', role: 'operator' },
        { token: FUZZ_TOKENS.viewer, name: 'vera', role: 'viewer' },
        { token: FUZZ_TOKENS.scoped, name: 'dana', role: 'operator', scope: 'db' },
        { token: FUZZ_TOKENS.tenant, name: 'tess', role: 'admin', tenant: 'acme' },
      ],
      jwtSecret: 'a-jwt-secret-of-at-least-32-characters!!',
    },
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });

  const send = async (request: FuzzRequest): Promise<FuzzAnswer> => {
    const headers: Record<string, string> = { ...request.headers };
    if (request.token !== undefined) headers['authorization'] = `Bearer ${request.token}`;
    if (request.contentType !== undefined) headers['content-type'] = request.contentType;
    const withBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
    const response = await fetch(`${url}${request.target}`, { method: request.method, headers, ...(withBody ? { body: request.body } : {}), signal: AbortSignal.timeout(5_000) });
    const contentType = response.headers.get('content-type') ?? '';
    if (contentType.startsWith('text/event-stream')) {
      await response.body?.cancel();
      return { status: response.status, contentType, text: '', json: undefined };
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, contentType, text, json };
  };

  const state = (): string => {
    const entities = [...deployment.tree.root.subtree()].map((e) => ({
      id: e.id,
      state: e.state,
      config: e.config,
      children: e.children.map((c) => c.id),
      members: e.members.map((m) => m.id),
      sensors: e.sensors.map((s) => [s.name, s.current?.value ?? null, s.current?.at ?? null]),
    }));
    const policies = deployment.engine.policies().map((p) => ({ ...p, config: deployment.engine.attachment(p.id).rawConfig }));
    return JSON.stringify({ entities, policies });
  };

  const close = async (): Promise<void> => {
    await app.close();
    await deployment.stop({ graceMs: 0 });
    rmSync(stateDir, { recursive: true, force: true });
  };
  return { clock, deployment, url, send, state, faults, close };
}

/** The fuzzed service, as `routeFuzzService` makes it. */
export type RouteFuzzService = Awaited<ReturnType<typeof routeFuzzService>>;
