import { HomeostatError } from '../errors.js';
import type { ActingScope } from './acting-scope.js';
import type { PlanExecutor } from './plan-executor.js';
import { PoliciesByEntity } from './policies-by-entity.js';
import type { PolicyRunner } from './policy-runner.js';

/**
 * The engine's bookkeeping of attached policies: their runners by id, the index of them by entity, the
 * acting scopes a limited caller set, and the executors of detached policies that were still executing.
 */
export class AttachedPolicies {
  /** The runner of every attached policy, by policy id. */
  readonly runners = new Map<string, PolicyRunner>();
  /** Acting scopes of policies whose config a limited caller set (see `reconfigure`); usually empty. */
  readonly actingScopes = new Map<string, ActingScope>();
  /** The ids of the policies attached to each entity. */
  readonly byEntity = new PoliciesByEntity((visit) => this.runners.forEach((runner, id) => visit(id, runner.attachment.entity)));
  // executors of detached (or reconfigured) policies that were still executing: stop() bounds them too
  private readonly draining = new Set<PlanExecutor>();

  /** Adds the runner of a policy whose id is not attached yet. */
  add(runner: PolicyRunner): void {
    const { id, entity } = runner.attachment;
    this.runners.set(id, runner);
    this.byEntity.added(id, entity);
  }

  /** Stops and removes a policy; its executor, while it still executes, drains. Returns false when there was none with that id. */
  remove(id: string): boolean {
    const runner = this.runners.get(id);
    if (!runner) return false;
    runner.stop();
    this.runners.delete(id);
    this.actingScopes.delete(id);
    this.byEntity.deleted(id, runner.attachment.entity);
    const executor = runner.existingExecutor;
    if (executor?.phase === 'executing') {
      this.draining.add(executor);
      void executor.whenIdle().then(() => this.draining.delete(executor));
    }
    return true;
  }

  /** The runner of a policy. @throws HomeostatError E_UNKNOWN_POLICY */
  runner(id: string): PolicyRunner {
    const runner = this.runners.get(id);
    if (!runner) throw new HomeostatError('E_UNKNOWN_POLICY', `no policy '${id}' is attached`);
    return runner;
  }

  /** Reopens every policy's executor (stopped by a stop before) and starts every loop. */
  startAll(): void {
    // forEach rather than for-of: no iterator result per policy (a million entities start two million)
    this.runners.forEach((runner) => {
      runner.existingExecutor?.reopen();
      runner.start();
    });
  }

  /** Stops every loop and every executor (the draining ones too); returns the executors, whose executing plans the caller bounds. */
  stopAll(): PlanExecutor[] {
    const executors = [...[...this.runners.values()].flatMap((r) => r.existingExecutor ?? []), ...this.draining];
    for (const runner of this.runners.values()) runner.stop();
    for (const executor of executors) executor.stop();
    return executors;
  }
}
