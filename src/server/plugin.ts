import { describeError } from '../core/errors.js';
import fastifySwagger from '@fastify/swagger';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, serializerCompiler } from 'fastify-type-provider-zod';
import type { Registry, RegistryContentType } from 'prom-client';
import type { Engine } from '../core/engine/engine.js';
import type { EntityTree } from '../core/entity-tree.js';
import { HomeostatError } from '../core/errors.js';
import type { Knowledge } from '../knowledge/knowledge.js';
import { HomeostatMetrics } from '../telemetry/metrics.js';
import { AuditLog } from './audit.js';
import type { AuthSettings, Principal } from './auth.js';
import { createAuthenticator } from './authenticator.js';
import { boundToTenant } from './tenant-scope.js';
import { rememberCredential } from './credential.js';
import { ApiError, statusForCode, type ApiContext } from './context.js';
import { parsePluginSettings, pluginStopCoordinator } from './plugin-options.js';
import { auditRefusal, flushAnonymousRefusals } from './refusals.js';
import { decisionRoutes } from './routes-decisions.js';
import { entityRoutes } from './routes-entities.js';
import { meRoutes } from './routes-me.js';
import { policyRoutes } from './routes-policies.js';
import { streamRoutes } from './routes-stream.js';
import { useJsonBodies } from './json-body.js';
import { sensorRoutes } from './routes-sensors.js';
import { findingsRoutes } from './routes-findings.js';
import { alertmanagerRoutes, type AlertmanagerReceiverOptions } from './routes-alertmanager.js';
import type { FeedBoard } from '../sensors/feeds/feed-health.js';
import { FeedMetrics } from '../telemetry/feed-metrics.js';
import type { HaView } from '../cluster/ha-status.js';
import { LeaseMetrics } from '../telemetry/lease-metrics.js';
import { KnowledgeMetrics } from '../telemetry/knowledge-metrics.js';
import { describeUnreadable } from '../knowledge/unreadable-state.js';
import { EventHub } from './event-stream.js';
import { InvocationRecords } from './invocation-records.js';
import { SensorHistory } from './sensor-history.js';
import type { StopCoordinator } from './stop-coordinator.js';
import { consoleRoutes } from './ui/console-routes.js';
import { MethodRoutes } from './method-routes.js';
import { strictKeysValidatorCompiler, takesNoQueryParameters } from './strict-keys.js';

/** What the plugin serves: a running deployment (or its parts). */
export interface HomeostatPluginOptions {
  readonly deployment: { readonly tree: EntityTree; readonly engine: Engine; readonly knowledge: Knowledge; readonly feeds?: FeedBoard };
  /** Access control; none means every caller is an admin (bind to loopback then). */
  readonly auth?: Partial<AuthSettings>;
  /** The host's registry: homeostat's metrics are registered on it. */
  readonly registry?: Registry<RegistryContentType>;
  /** Readings kept per watched sensor for the history view (a sensor is watched once its history is asked for). Default 60. */
  readonly historySize?: number;
  /** How long an effector invocation may take before 202 (ms). Default 10 000. */
  readonly invokeWaitMs?: number;
  /** Enables the Alertmanager webhook receiver (`POST /alertmanager`), protected by its own token. */
  readonly alertmanager?: AlertmanagerReceiverOptions;
  /**
   * On close, how long streams and API invocations get before they are cut (ms). Default 10 000, or the
   * grace of `stopCoordinator` when that is given.
   */
  readonly stopGraceMs?: number;
  /**
   * How the service stops, when the host wants to start the stop itself (with a grace of its choosing,
   * before closing the app); default one made with `stopGraceMs`. Its grace is the service's: given with a
   * `stopGraceMs` that differs from it, registration fails (PluginOptionsError).
   */
  readonly stopCoordinator?: StopCoordinator;
  /** Serve OpenAPI at `<prefix>/docs` (registers @fastify/swagger unless the host did). Default true. */
  readonly docs?: boolean;
  /** Serve the registry at `<prefix>/metrics`. Default false (a host usually serves its own registry). */
  readonly serveMetrics?: boolean;
  /**
   * Require a viewer token for `/metrics`. Default: false (scrapers usually have none), but true when an
   * entity of the tree belongs to a tenant: the series are platform-wide, so a multi-tenant service does not
   * serve them to anyone who asks. A tenant's token is refused `/metrics` (403) either way.
   */
  readonly protectMetrics?: boolean;
  /** Largest scanner report `POST /entities/:id/findings` accepts (bytes). Default 8 MiB. */
  readonly reportBodyLimit?: number;
  /**
   * Most bytes of events a `/stream` client may fall behind by (written, not yet taken by its connection): past
   * it the client gets no more events, its stream ends once it has taken what was written, and it resumes with
   * Last-Event-ID from the replay buffer (see `streamReplayBytes`). Default 8 MiB; from 16 KiB to 1 GiB.
   */
  readonly streamBacklogBytes?: number;
  /**
   * How long a `/stream` that fell behind may take to take what was written before it is cut (ms): a client
   * that reads nothing holds at most `streamBacklogBytes` for this long. Default 30 000; from 100 to 600 000.
   */
  readonly streamStallMs?: number;
  /**
   * Most bytes of events (as JSON) the `/stream` replay buffer keeps for clients that resume with Last-Event-ID,
   * besides its bound of 10,000 events: past either the oldest are dropped, and a client resuming from before
   * what is kept first gets a `gap` event. Default 32 MiB; from 16 KiB to 1 GiB.
   */
  readonly streamReplayBytes?: number;
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
 * registry and logger. Every mutating request (refused ones too) and every effector invocation goes to the
 * audit log. `/health`, `/ready` and `/docs` need no token; `/metrics` needs one when `protectMetrics`.
 * @throws PluginOptionsError or AuthSettingsError (one sentence) when an option cannot be used
 */
export const homeostatPlugin = fp<HomeostatPluginOptions>(
  async (app: FastifyInstance, options) => {
    const settings = parsePluginSettings(options as unknown as Record<string, unknown>);
    const stop = pluginStopCoordinator(options.stopCoordinator, options.stopGraceMs, settings.stopGraceMs);
    const { tree, engine, knowledge } = options.deployment;
    const authenticate = createAuthenticator(settings.auth);
    const audit = new AuditLog(knowledge, (id) => tree.find(id)?.path);
    // a restarted service continues the audit log's seq; a store that cannot be read now starts it afresh
    await audit.open().catch((error: unknown) => app.log.warn(`audit log: cannot read the newest entry, seq starts at 1 (${describeError(error)})`));
    // what the plugin adds to the host (metrics in its registry, subscriptions): taken back when the app closes, and
    // at once when the registration fails part way (a bad option found late), so the host can register it again
    const releases: Array<() => void> = [];
    const release = (): void => {
      for (const undo of releases.splice(0).reverse()) undo();
    };
    try {
      const hub = new EventHub({ maxBytes: settings.streamReplayBytes });
      const history = new SensorHistory(tree, { size: settings.historySize }, (o) => hub.publish('sensor', o.entity, o));
      releases.push(() => history.close());
      const subscriptions = [
        engine.decisions$.subscribe((d) => hub.publish('decision', d.entity, d)),
        engine.invoker.records$.subscribe((r) => audit.recordInvocation(r)),
      ];
      releases.push(() => subscriptions.forEach((s) => s.unsubscribe()));
      // their metrics leave the host's registry when the app closes: the plugin registered again on it starts afresh
      const metrics = options.registry ? new HomeostatMetrics({ registry: options.registry, engine, tree }) : undefined;
      releases.push(() => metrics?.close());
      const context: ApiContext = { tree, engine, knowledge, audit, hub, history, invokeWaitMs: settings.invokeWaitMs, stopGraceMs: stop.graceMs, invocations: new InvocationRecords(), stop, streamBacklogBytes: settings.streamBacklogBytes, streamStallMs: settings.streamStallMs };
      const feedMetrics = options.registry && options.deployment.feeds ? new FeedMetrics(options.registry, options.deployment.feeds) : undefined;
      releases.push(() => feedMetrics?.close());
      if (settings.docs && !app.hasDecorator('swagger')) {
        await app.register(fastifySwagger, {
          openapi: { info: { title: 'homeostat', description: 'autonomic control loops: entities, policies, decisions', version: '0.1.0' }, components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } }, security: [{ bearer: [] }] },
          transform: jsonSchemaTransform,
        });
      }
      const ha = options.ha;
      const knowledgeMetrics = options.registry ? new KnowledgeMetrics(options.registry, knowledge) : undefined;
      releases.push(() => knowledgeMetrics?.close());
      const leaseMetrics = options.registry && ha ? new LeaseMetrics(options.registry, ha) : undefined;
      releases.push(() => leaseMetrics?.close());

      await app.register(async (scoped) => {
        const protectMetrics = settings.protectMetrics ?? hasTenants(tree);
        const open = new Set(['/health', '/ready', ...(settings.docs ? ['/docs'] : []), ...(protectMetrics ? [] : ['/metrics'])].map((r) => `${scoped.prefix}${r}`));
        const methods = MethodRoutes.follow(scoped);
        useJsonBodies(scoped);
        scoped.setValidatorCompiler(strictKeysValidatorCompiler);
        scoped.addHook('onRoute', takesNoQueryParameters(new Set(['/health', '/ready'].map((r) => `${scoped.prefix}${r}`))));
        scoped.setSerializerCompiler(serializerCompiler);
        scoped.decorateRequest('principal', undefined as unknown as Principal);
        scoped.addHook('onRequest', async (request: FastifyRequest, reply) => {
          if (open.has(request.routeOptions.url ?? '') || methods.answers(request.method, request.routeOptions.url)) return;
          const result = await authenticate(request.headers.authorization);
          if ('refused' in result) {
            auditRefusal(context, request, 401, result.refused);
            // the caller is told one of a few fixed phrases: the detail (audited) can name the identity provider
            return reply.code(401).header('www-authenticate', bearerChallenge(request.headers.authorization, result.reason)).send({ error: 'a valid bearer token is needed', reason: result.reason });
          }
          rememberCredential(request, result.principal);
          request.principal = boundToTenant(result.principal, context.tree);
        });
        scoped.setErrorHandler((error: FastifyError, request, reply) => {
          const { status, body } = describeFailure(error, request.routeOptions.bodyLimit);
          if (status >= 500) request.log.error({ err: error }, 'homeostat API error');
          if (!(error instanceof ApiError && error.audited)) auditRefusal(context, request, status, String(body['error']));
          return reply.code(status).send(body);
        });
        scoped.get('/health', { schema: { summary: 'Liveness (no token needed); with HA, the role, token and holder of each lease' } }, async () => (ha ? { status: 'ok', instance: ha.owner, leases: ha.health() } : { status: 'ok' }));
        scoped.get('/ready', { schema: { summary: 'Readiness (no token needed): the tree is built, the loops run, knowledge takes writes' } }, async (_request, reply) => {
          const store = knowledge.health();
          // asked every few seconds by an orchestrator, and by anyone (no token): no status built per policy
          const stopped = engine.stoppedPolicies(10);
          const reasons = [
            ...(tree.size === 0 ? ['the tree is empty'] : []),
            ...(stopped.count > 0 ? [`policies stopped: ${stopped.ids.join(', ')}${stopped.count > stopped.ids.length ? ` and ${stopped.count - stopped.ids.length} more` : ''}`] : []),
            ...(store.ok ? [] : [store.reason ?? 'knowledge store not ok']),
            ...[ha?.notReady?.()].filter((reason): reason is string => reason !== undefined),
            ...(stop.refusesInvocations ? ['the service is stopping'] : []),
          ];
          const ready = reasons.length === 0;
          // damaged policy state skipped at the last load: the instance acts without it, so it stays ready, but says so
          const unreadable = knowledge.unreadableState;
          const skipped = unreadable.length === 0 ? {} : { unreadableState: unreadable.slice(0, 10).map(describeUnreadable), ...(unreadable.length > 10 ? { unreadableStateCount: unreadable.length } : {}) };
          return reply.code(ready ? 200 : 503).send({ ready, ...(ready ? {} : { reason: reasons.join('; ') }), entities: tree.size, policies: engine.policyCount, pendingWrites: store.pending, store: knowledge.degraded ? 'degraded' : 'ok', droppedWrites: store.dropped, ...skipped });
        });
        if (settings.docs) scoped.get('/docs', { schema: { hide: true } }, async () => app.swagger());
        if (settings.serveMetrics && options.registry) {
          const registry = options.registry;
          // the registry's own format, always: switching a shared registry's format per request corrupts the
          // names prom-client renders (counter families lose their _total suffix in the text format)
          scoped.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
            // no series names an entity (labels are policy names, effectors, sensors): they cannot be cut by tenant
            const tenant = (request.principal as Principal | undefined)?.tenant;
            if (tenant !== undefined) {
              return reply.code(403).send({ error: `metrics are platform-wide (no series names an entity), so a token of tenant ${tenant} may not read them: read your subtrees' decisions at /decisions and /stream` });
            }
            return reply.header('content-type', registry.contentType).send(await registry.metrics());
          });
        }
        await meRoutes(scoped, context);
        await entityRoutes(scoped, context);
        await policyRoutes(scoped, context);
        await decisionRoutes(scoped, context);
        await streamRoutes(scoped, context);
        await sensorRoutes(scoped, context, options.deployment.feeds);
        // its own context: the text body parsers it adds serve scanner reports only
        await scoped.register(async (reports) => findingsRoutes(reports, context, settings.reportBodyLimit));
        // every route above is registered: the methods a path lacks get 405 with Allow, OPTIONS 204
        methods.answerOthers(scoped);
      }, { prefix: (options as { prefix?: string }).prefix ?? '' });
      const alertmanager = options.alertmanager;
      if (alertmanager) await app.register(async (scoped) => {
        useJsonBodies(scoped);
        // another method on the receiver's path is a 405 with Allow, as on the API's paths (fastify says 404)
        const receiverMethods = MethodRoutes.follow(scoped);
        // its refusals answer as the API's do (a body past the bound is told the bound), and are logged: the
        // sender is Alertmanager, which retries a refused group for ever and shows nobody why
        scoped.setErrorHandler((error: FastifyError, request, reply) => {
          const { status, body } = describeFailure(error, request.routeOptions.bodyLimit);
          request.log[status >= 500 ? 'error' : 'warn']({ err: error }, `Alertmanager webhook refused (${status}): ${String(body['error'])}`);
          return reply.code(status).send(body);
        });
        await alertmanagerRoutes(scoped, context, alertmanager);
        receiverMethods.answerOthers(scoped);
      }, { prefix: (options as { prefix?: string }).prefix ?? '' });
      app.addHook('preClose', async () => {
        // refusals counted rather than audited are written while knowledge still takes writes
        flushAnonymousRefusals(context, true);
        await stop.stop();
      });
      await app.register(async (scoped) => {
        // the console's paths answer another method with 405 and OPTIONS with 204, as the API's do
        const consoleMethods = MethodRoutes.follow(scoped);
        await consoleRoutes(scoped);
        consoleMethods.answerOthers(scoped);
      }, { prefix: (options as { prefix?: string }).prefix ?? '' });
    } catch (error) {
      release();
      throw error;
    }
    app.addHook('onClose', async () => release());
  },
  { name: 'homeostat', fastify: '5.x' },
);

/**
 * The WWW-Authenticate of a 401 (RFC 6750): a bare `Bearer` when no bearer token was presented, else
 * `invalid_token` with the reason, in printable ASCII without quotes (a JWT's header, which the reason may
 * quote, is the caller's text) and at most 200 characters.
 */
function bearerChallenge(authorization: string | undefined, reason: string): string {
  if (!/^Bearer\s/i.test(authorization ?? '')) return 'Bearer';
  const description = reason.replace(/"/g, "'").replace(/[^\x20-\x7e]|\\/g, '?').slice(0, 200);
  return `Bearer error="invalid_token", error_description="${description}"`;
}

/** True when an entity of the tree belongs to a tenant. */
function hasTenants(tree: EntityTree): boolean {
  for (const entity of tree.root.subtree()) if (entity.tenant !== undefined) return true;
  return false;
}

/**
 * The status and body for any error a route or fastify raised: typed errors by code, never a bare 500 for
 * caller input; a body past the route's bound (`bodyLimit`, bytes) is told the bound.
 */
function describeFailure(error: FastifyError, bodyLimit: number | undefined): { status: number; body: Record<string, unknown> } {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && bodyLimit !== undefined) return { status: 413, body: { error: `the body is larger than the ${bodyLimit} bytes this route takes`, code: error.code } };
  if (error instanceof ApiError) return { status: error.statusCode, body: { error: error.message, ...error.extra } };
  if (error.validation) {
    return { status: 400, body: { error: `bad request: ${error.message}`, issues: error.validation.map((v) => ({ path: v.instancePath || v.schemaPath, message: v.message })) } };
  }
  if (error instanceof HomeostatError) return { status: statusForCode(error.code), body: { error: error.message, code: error.code } };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) return { status: error.statusCode, body: { error: error.message, ...(error.code ? { code: error.code } : {}) } };
  return { status: 500, body: { error: error.message } };
}
