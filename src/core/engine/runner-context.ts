import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../entity.js';
import type { EntityTree } from '../entity-tree.js';
import type { PolicyContext } from '../../policies/define-policy.js';
import type { PolicyState } from '../../knowledge/policy-state.js';
import { guardedScheduler } from './guarded-scheduler.js';
import type { PolicyRunner } from './policy-runner.js';

/**
 * The context a running policy sees. It reads through to its runner, and makes the guarded scheduler and the
 * state view the first time the policy asks for them: most policies of a large tree use neither (a threshold
 * on a sensor), and a million policies would otherwise carry a few hundred bytes each they never touch.
 */
export class RunnerContext implements PolicyContext<unknown> {
  private guarded: SchedulerLike | undefined;
  private stateView: PolicyState | undefined;

  constructor(private readonly runner: PolicyRunner) {}

  get policyId(): string {
    return this.runner.attachment.id;
  }

  get entity(): Entity {
    return this.runner.attachment.entity;
  }

  get tree(): EntityTree {
    return this.runner.deps.tree;
  }

  get config(): unknown {
    return this.runner.attachment.config;
  }

  /** The engine's scheduler, reporting a throw of work the policy scheduled as a fault of the policy. */
  get scheduler(): SchedulerLike {
    return (this.guarded ??= guardedScheduler(this.runner.deps.scheduler, (error) => this.runner.fault('analyze', error)));
  }

  get state(): PolicyState {
    return (this.stateView ??= this.runner.deps.knowledge.policyState(this.runner.attachment.id));
  }
}
