/** homeostat's HTTP service: the fastify plugin and the standalone server (`homeostat/server`). */
export { homeostatPlugin, type HomeostatPluginOptions } from './plugin.js';
export { serve, type ServeOptions, type Served } from './serve.js';
export { routeEveryMethod } from './method-routes.js';
export { requestTimeoutOptions, DEFAULT_REQUEST_TIMEOUT_MS, type RequestTimeoutOptions } from './request-timeout.js';
export { DEFAULT_MAX_CONNECTIONS, type ConnectionLimitReport } from './connection-limit.js';
export { refuseConnect } from './connect-refusal.js';
export { StopCoordinator } from './stop-coordinator.js';
export { authSchema, signJwt, ROLES, type AuthSettings, type Principal, type Role } from './auth.js';
export type { AuditEntry } from './audit.js';
export { HomeostatMetrics } from '../telemetry/metrics.js';
export type { AlertmanagerReceiverOptions } from './routes-alertmanager.js';
