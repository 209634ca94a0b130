import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { Deployment } from '../blueprint/deployment.js';
import type { AuthSettings } from './auth.js';
import { homeostatPlugin } from './plugin.js';

/** Options of the standalone service. */
export interface ServeOptions {
  readonly port: number;
  /** Default 127.0.0.1: the service listens on loopback unless told otherwise. */
  readonly host?: string;
  readonly auth?: Partial<AuthSettings>;
  readonly logger?: boolean | object;
}

/**
 * The standalone HTTP service of `homeostat run --port`: the API at `/`, OpenAPI at `/docs`, and Prometheus
 * metrics (OpenMetrics when asked for) at `/metrics`.
 */
export async function serve(deployment: Deployment, options: ServeOptions): Promise<{ app: FastifyInstance; registry: Registry; url: string }> {
  const app = Fastify({ logger: options.logger ?? false });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'homeostat_process_' });
  await app.register(fastifySwagger, {
    openapi: { info: { title: 'homeostat', description: 'autonomic control loops: entities, policies, decisions', version: '0.1.0' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] },
    transform: jsonSchemaTransform,
  });
  await app.register(homeostatPlugin, { deployment, registry, ...(options.auth ? { auth: options.auth } : {}) });
  app.get('/docs', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    const openMetrics = (request.headers.accept ?? '').includes('application/openmetrics-text');
    if (openMetrics) registry.setContentType('application/openmetrics-text; version=1.0.0; charset=utf-8' as never);
    else registry.setContentType('text/plain; version=0.0.4; charset=utf-8' as never);
    return reply.header('content-type', registry.contentType).send(await registry.metrics());
  });
  const url = await app.listen({ port: options.port, host: options.host ?? '127.0.0.1' });
  return { app, registry, url };
}
