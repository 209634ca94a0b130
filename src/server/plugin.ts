import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Registry, RegistryContentType } from 'prom-client';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import { HomeostatMetrics } from '../telemetry/metrics.js';
import { AuditLog } from './audit.js';
import { authSchema, authenticate, type AuthSettings, type Principal } from './auth.js';
import { ApiError, type ApiContext } from './context.js';
import { decisionRoutes } from './routes-decisions.js';
import { entityRoutes } from './routes-entities.js';
import { policyRoutes } from './routes-policies.js';
import { streamRoutes } from './routes-stream.js';
import { sensorRoutes } from './routes-sensors.js';
import { alertmanagerRoutes, type AlertmanagerReceiverOptions } from './routes-alertmanager.js';
import type { FeedBoard } from '../sensors/feeds/feed-health.js';
import { FeedMetrics } from '../telemetry/feed-metrics.js';
import type { HaView } from '../cluster/ha-status.js';
import { LeaseMetrics } from '../telemetry/lease-metrics.js';
import { KnowledgeMetrics } from '../telemetry/knowledge-metrics.js';
import { EventHub } from './event-stream.js';
import { SensorHistory } from './sensor-history.js';

/** What the plugin serves: a running deployment (or its parts). */
export interface HomeostatPluginOptions {
  readonly deployment: { readonly tree: EntityTree; readonly engine: Engine; readonly knowledge: Knowledge; readonly feeds?: FeedBoard };
  /** Access control; none means every caller is an admin (bind to loopback then). */
  readonly auth?: Partial<AuthSettings>;
  /** The host's registry: homeostat's metrics are registered on it. */
  readonly registry?: Registry<RegistryContentType>;
  /** Readings kept per sensor for the history view. Default 60. */
  readonly historySize?: number;
  /** How long an effector invocation may take before 202 (ms). Default 10 000. */
  readonly invokeWaitMs?: number;
  /** Enables the Alertmanager webhook receiver (`POST /alertmanager`), protected by its own token. */
  readonly alertmanager?: AlertmanagerReceiverOptions;
  /** This instance's part in a highly available deployment: shown in `/health` and as lease metrics. */
  readonly ha?: HaView;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

/**
 * homeostat's HTTP API as a fastify plugin: register it under a prefix in a host app, with the host's
 * registry and logger. Every mutating request and every effector invocation goes to the audit log.
 */
export const homeostatPlugin = fp<HomeostatPluginOptions>(
  async (app: FastifyInstance, options) => {
    const { tree, engine, knowledge } = options.deployment;
    const auth = authSchema.parse(options.auth ?? {});
    const audit = new AuditLog();
    const hub = new EventHub();
    const history = new SensorHistory(tree, options.historySize ?? 60, (o) => hub.publish('sensor', o.entity, o));
    const subscriptions = [
      engine.decisions$.subscribe((d) => hub.publish('decision', d.entity, d)),
      engine.invoker.records$.subscribe((r) => audit.recordInvocation(r)),
    ];
    const metrics = options.registry ? new HomeostatMetrics({ registry: options.registry, engine, tree }) : undefined;
    const feedMetrics = options.registry && options.deployment.feeds ? new FeedMetrics(options.registry, options.deployment.feeds) : undefined;
    const ha = options.ha;
    if (options.registry) new KnowledgeMetrics(options.registry, knowledge);
    const leaseMetrics = options.registry && ha ? new LeaseMetrics(options.registry, ha) : undefined;
    const context: ApiContext = { tree, engine, knowledge, audit, hub, history, auth, invokeWaitMs: options.invokeWaitMs ?? 10_000, invocations: new Map() };

    await app.register(async (scoped) => {
      scoped.setValidatorCompiler(validatorCompiler);
      scoped.setSerializerCompiler(serializerCompiler);
      scoped.decorateRequest('principal', undefined as unknown as Principal);
      scoped.addHook('onRequest', async (request: FastifyRequest, reply) => {
        if (request.routeOptions.url === `${scoped.prefix}/health` || request.routeOptions.url === `${scoped.prefix}/ready`) return;
        const principal = authenticate(auth, request.headers.authorization);
        if (!principal) return reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'a valid bearer token is needed' });
        request.principal = principal;
      });
      scoped.setErrorHandler((error: FastifyError, request, reply) => {
        if (error instanceof ApiError) return reply.code(error.statusCode).send({ error: error.message, ...error.extra });
        if (error.validation) {
          return reply.code(400).send({ error: `bad request: ${error.message}`, issues: error.validation.map((v) => ({ path: v.instancePath || v.schemaPath, message: v.message })) });
        }
        request.log.error({ err: error }, 'homeostat API error');
        return reply.code(error.statusCode && error.statusCode < 500 ? error.statusCode : 500).send({ error: error.message });
      });
      scoped.get('/health', { schema: { summary: 'Liveness; with HA, the role, token and holder of each lease' } }, async () => (ha ? { status: 'ok', instance: ha.owner, leases: ha.health() } : { status: 'ok' }));
      scoped.get('/ready', { schema: { summary: 'Readiness: the tree is built and the loops run' } }, async (_request, reply) => {
        const ready = tree.size > 0 && engine.policies().every((p) => p.state !== 'stopped');
        return reply.code(ready ? 200 : 503).send({ ready, entities: tree.size, policies: engine.policies().length, pendingWrites: knowledge.pending, store: knowledge.degraded ? 'degraded' : 'ok', droppedWrites: knowledge.dropped });
      });
      await entityRoutes(scoped, context);
      await policyRoutes(scoped, context);
      await decisionRoutes(scoped, context);
      await streamRoutes(scoped, context);
      await sensorRoutes(scoped, context, options.deployment.feeds);
    }, { prefix: (options as { prefix?: string }).prefix ?? '' });
    const alertmanager = options.alertmanager;
    if (alertmanager) await app.register(async (scoped) => void (await alertmanagerRoutes(scoped, context, alertmanager)), { prefix: (options as { prefix?: string }).prefix ?? '' });
    app.addHook('onClose', async () => {
      for (const s of subscriptions) s.unsubscribe();
      history.close();
      metrics?.close();
      feedMetrics?.close();
      leaseMetrics?.close();
    });
  },
  { name: 'homeostat', fastify: '5.x' },
);
