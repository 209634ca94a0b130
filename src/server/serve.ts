import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { Registry } from 'prom-client';
import type { Deployment } from '../blueprint/deployment.js';
import type { AuthSettings } from './auth.js';
import { homeostatPlugin } from './plugin.js';
import type { AlertmanagerReceiverOptions } from './routes-alertmanager.js';
import type { HaView } from '../cluster/ha-status.js';

/** Options of the standalone service. */
export interface ServeOptions {
  readonly port: number;
  /** Default 127.0.0.1: the service listens on loopback unless told otherwise. */
  readonly host?: string;
  readonly auth?: Partial<AuthSettings>;
  readonly logger?: boolean | object;
  /** The Alertmanager webhook receiver, when wanted. */
  readonly alertmanager?: AlertmanagerReceiverOptions;
  /** This instance's part in a highly available deployment (`/health`, lease metrics). */
  readonly ha?: HaView;
}

/**
 * The standalone HTTP service of `homeostat run --port`: the API at `/`, OpenAPI at `/docs`, and Prometheus
 * metrics at `/metrics` (text format; embed the plugin with an OpenMetrics registry for trace-id exemplars).
 */
export async function serve(deployment: Deployment, options: ServeOptions): Promise<{ app: FastifyInstance; registry: Registry; url: string }> {
  const app = Fastify({ logger: options.logger ?? false });
  // only homeostat's own metrics: prom-client's default process metrics include a gauge named *_total,
  // which Prometheus' own checks reject; a host that wants them adds them to its registry
  const registry = new Registry();
  await app.register(fastifySwagger, {
    openapi: { info: { title: 'homeostat', description: 'autonomic control loops: entities, policies, decisions', version: '0.1.0' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] },
    transform: jsonSchemaTransform,
  });
  await app.register(homeostatPlugin, { deployment, registry, ...(options.auth ? { auth: options.auth } : {}), ...(options.alertmanager ? { alertmanager: options.alertmanager } : {}), ...(options.ha ? { ha: options.ha } : {}) });
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger());
  // the registry's own format, always: switching a shared registry's format per request corrupts the
  // names prom-client renders (counter families lose their _total suffix in the text format)
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  const url = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { app, registry, url };
}
