import { z } from 'zod';
import { HomeostatError } from '../core/errors.js';
import { parseAuthSettings, type AuthSettings } from './auth.js';
import { DEFAULT_REPORT_BODY_LIMIT } from './routes-findings.js';
import { DEFAULT_STREAM_BACKLOG_BYTES, DEFAULT_STREAM_STALL_MS } from './routes-stream.js';
import { DEFAULT_REPLAY_BYTES } from './event-stream.js';
import { StopCoordinator } from './stop-coordinator.js';

/** How long streams and API invocations get on close (ms) when the host names no grace. */
export const DEFAULT_SERVICE_STOP_GRACE_MS = 10_000;

/** The plugin's own settings, checked at registration. */
const settingsSchema = z.strictObject({
  historySize: z.number().int().min(1).max(10_000).default(60),
  invokeWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  stopGraceMs: z.number().int().min(0).max(600_000).default(DEFAULT_SERVICE_STOP_GRACE_MS),
  docs: z.boolean().default(true),
  serveMetrics: z.boolean().default(false),
  protectMetrics: z.boolean().optional(),
  reportBodyLimit: z.number().int().min(1024).max(256 * 1024 * 1024).default(DEFAULT_REPORT_BODY_LIMIT),
  streamBacklogBytes: z.number().int().min(16 * 1024).max(1024 * 1024 * 1024).default(DEFAULT_STREAM_BACKLOG_BYTES),
  streamStallMs: z.number().int().min(100).max(600_000).default(DEFAULT_STREAM_STALL_MS),
  streamReplayBytes: z.number().int().min(16 * 1024).max(1024 * 1024 * 1024).default(DEFAULT_REPLAY_BYTES),
});

/** The checked settings of the plugin. */
export type PluginSettings = z.output<typeof settingsSchema> & { readonly auth: AuthSettings };

/** A plugin option that cannot be used; the message is one sentence that names the option. */
export class PluginOptionsError extends HomeostatError {
  constructor(message: string) {
    super('E_PLUGIN_OPTIONS', message);
  }
}

/**
 * Checks the plugin's options (everything but the deployment and the registry).
 * @throws PluginOptionsError, or AuthSettingsError for `auth`, each one sentence naming the option
 */
export function parsePluginSettings(options: Record<string, unknown>): PluginSettings {
  const deployment = options['deployment'] as Record<string, unknown> | undefined;
  if (!deployment || typeof deployment !== 'object' || !deployment['tree'] || !deployment['engine'] || !deployment['knowledge']) {
    throw new PluginOptionsError('invalid homeostat plugin options: deployment is required (a Deployment, or an object with its tree, engine and knowledge)');
  }
  const picked = Object.fromEntries(Object.keys(settingsSchema.shape).filter((k) => options[k] !== undefined).map((k) => [k, options[k]]));
  const parsed = settingsSchema.safeParse(picked);
  if (!parsed.success) {
    throw new PluginOptionsError(`invalid homeostat plugin options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return { ...parsed.data, auth: parseAuthSettings(options['auth'], 'auth') };
}

/**
 * The plugin's StopCoordinator: the host's (`stopCoordinator`), whose grace then holds, or one made with the
 * checked `stopGraceMs`. Both may be given when they agree (as `serve` does).
 * @param given the option `stopCoordinator`, if any
 * @param stopGraceMs the option `stopGraceMs` as the host gave it (undefined when not given)
 * @param defaultGraceMs the checked `stopGraceMs` (its default when not given)
 * @throws PluginOptionsError when both are given and `stopGraceMs` differs from the coordinator's grace
 */
export function pluginStopCoordinator(given: StopCoordinator | undefined, stopGraceMs: number | undefined, defaultGraceMs: number): StopCoordinator {
  if (given === undefined) return new StopCoordinator(defaultGraceMs);
  if (stopGraceMs !== undefined && stopGraceMs !== given.graceMs) {
    throw new PluginOptionsError(`invalid homeostat plugin options: stopGraceMs (${stopGraceMs} ms) differs from the grace of stopCoordinator (${given.graceMs} ms); give one of them, or the same grace to both`);
  }
  return given;
}
