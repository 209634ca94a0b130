import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import type { Decision } from '../../src/knowledge/decision.js';
import type { AuthSettings } from '../../src/server/auth.js';
import { serve, type Served } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

/** The JWT secret of the injected service (tests sign their own tokens with it, e.g. ones that expire). */
export const JWT_SECRET = 'a-console-test-secret-of-32-chars!!';

/** The static token of the injected service's admin. */
export const ADMIN_TOKEN = 'injected-admin-token-0123';

/**
 * A real `serve()` over a small deployment whose loop stands still (virtual time that nobody advances), so
 * that what the console shows is only what the test puts in: decisions it records, readings it publishes.
 */
export interface InjectedService {
  readonly url: string;
  readonly deployment: Deployment;
  /** Records `count` decisions on `web` (each with a fresh id and time), `fields` over the defaults. */
  decide(count: number, fields?: (i: number) => Partial<Decision>): void;
  stop(): Promise<void>;
}

let sequence = 0;

/** A decision as a loop would record it, with `fields` over the defaults. */
export function decisionOf(fields: Partial<Decision> = {}): Decision {
  sequence++;
  return {
    id: `d-test-${Date.now()}-${sequence}`,
    at: Date.now(),
    entity: 'web',
    policy: 'web/guard',
    policyName: 'guard',
    symptom: { kind: 'test' },
    actions: [],
    reason: `decision ${sequence}`,
    inputs: [],
    outcome: 'no_action',
    durations: { analyzeMs: 0.1, planMs: 0.1, executeMs: 0 },
    ...fields,
  };
}

/**
 * Starts the service on an OS-chosen port of 127.0.0.1: `shop` with a child `web` (a number sensor `load`,
 * a text sensor `note`, and `webChildren` children `web-<i>`) and `extra` more children of `shop` (a large tree);
 * `auth` over its token and JWT secret.
 */
export async function startInjectedService(options: { extra?: number; webChildren?: number; port?: number; auth?: Partial<AuthSettings> } = {}): Promise<InjectedService> {
  const clock = new VirtualClock(Date.now());
  const extra = Array.from({ length: options.extra ?? 0 }, (_, i) => `    - id: node-${i}\n`).join('');
  const under = Array.from({ length: options.webChildren ?? 0 }, (_, i) => `        - id: web-${i}\n`).join('');
  const blueprint = await parseBlueprint(
    `name: injected\napplication:\n  id: shop\n  children:\n    - id: web\n      sensors: [{ name: load, type: number }, { name: note, type: string }]\n${under ? `      children:\n${under}` : ''}${extra}`,
    path.resolve('injected.yaml'),
  );
  const deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  const served: Served = await serve(deployment, {
    port: options.port ?? 0,
    auth: { tokens: [{ token: ADMIN_TOKEN, name: 'ada', role: 'admin' }], jwtSecret: JWT_SECRET, ...options.auth },
  });
  return {
    url: served.url,
    deployment,
    decide(count, fields) {
      for (let i = 0; i < count; i++) deployment.knowledge.recordDecision(decisionOf(fields?.(i)));
    },
    async stop() {
      await served.close(0);
      await deployment.stop();
    },
  };
}
