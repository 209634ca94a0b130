import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { defineEffector } from '../../effectors/define-effector.js';
import { defineSensor, numberSensor } from '../../sensors/define-sensor.js';
import type { Entity } from '../../core/entity.js';
import type { DriverContext, EntityType } from '../entity-type.js';
import { processConfigSchema, type ProcessConfig } from './process-config.js';
import { ProcessRunner } from './process-runner.js';
import { ProcessSupervisor } from './supervisor.js';

/** Sensors of a `process` entity (besides service.up and service.state). */
export const PROCESS_SENSORS = [
  numberSensor('process.pid', { description: 'pid of the running process' }),
  numberSensor('process.port', { description: 'port it serves on' }),
  numberSensor('process.cpu', { unit: 'cores', description: 'CPU used since the last sample, in cores (1 = one core busy), from /proc' }),
  numberSensor('process.rss', { unit: 'bytes', description: 'resident memory (VmRSS), from /proc' }),
  numberSensor('process.exit.code', { description: 'exit code of the last process that ended' }),
  defineSensor({ name: 'process.exit.signal', schema: z.string(), description: 'signal that killed the last process that ended' }),
  numberSensor('process.health.failures', { description: 'failed health checks in a row (service.up goes false at the failureThreshold)' }),
  numberSensor('process.restarts', { description: 'restarts by the restart and update effectors since homeostat started' }),
  defineSensor({ name: 'version', schema: z.string(), description: 'software version ({{version}} in the templates)' }),
];

/** The state directory when neither the deployment nor the environment names one. */
export function defaultStateDir(): string {
  return process.env['HOMEOSTAT_STATE_DIR'] ?? path.join(process.env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state'), 'homeostat', 'default');
}

/** The supervisor of the context's deployment, with its lock taken for this entity. */
export function acquireSupervisor(context: DriverContext): ProcessSupervisor {
  const supervisor = ProcessSupervisor.of(context.tree, context.stateDir ?? defaultStateDir());
  supervisor.acquire();
  return supervisor;
}

/**
 * Starts a process entity's behaviour and effectors; the returned stop ends the process (SIGTERM, grace,
 * SIGKILL) and resolves when it has.
 */
export function startProcess(entity: Entity, config: ProcessConfig, context: DriverContext): () => Promise<void> {
  const supervisor = acquireSupervisor(context);
  supervisor.sweep(context.tree, config.stopGrace);
  const runner = new ProcessRunner(entity, config, context, supervisor);
  const none = z.strictObject({});
  const timeoutMs = config.stopGrace + 30_000;
  entity.addEffector(defineEffector({ name: 'start', description: 'start the process unless it runs', params: none, idempotent: true, timeoutMs, run: () => runner.serial(() => runner.start()) }));
  entity.addEffector(defineEffector({ name: 'stop', description: `SIGTERM, then SIGKILL after ${config.stopGrace} ms`, params: none, idempotent: true, timeoutMs, run: () => runner.serial(() => runner.stop()) }));
  entity.addEffector(defineEffector({ name: 'restart', description: 'stop the process (SIGTERM, grace, SIGKILL) and start it again', params: none, idempotent: true, timeoutMs, run: () => runner.serial(() => runner.restart()) }));
  entity.addEffector(
    defineEffector({
      name: 'update',
      description: 'restart the process with another version ({{version}} in its templates)',
      params: z.strictObject({ version: z.string().min(1).max(200) }),
      idempotent: true,
      timeoutMs,
      run: ({ version }) => runner.serial(() => runner.update(version)),
    }),
  );
  runner.begin();
  return () => supervisor.trackStop(runner.dispose()).finally(() => supervisor.release());
}

/**
 * `process`: one OS process (command, args, env, cwd, port), started in its own process group with its
 * output appended to log files in the state directory. `service.up` comes from the process and its optional
 * health check. Effectors `start`, `stop`, `restart`, `update`.
 */
export const processType: EntityType<ProcessConfig> = {
  name: 'process',
  description: 'an OS process: start, stop (SIGTERM, grace, SIGKILL), restart; CPU and RSS from /proc',
  config: processConfigSchema,
  sensors: PROCESS_SENSORS,
  effectors: ['start', 'stop', 'restart', 'update'],
  start: startProcess,
};
