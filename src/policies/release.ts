import { interval, map } from 'rxjs';
import { ensureFreezeSwitch, firstFreeze } from '../core/freeze.js';
import { describeVerdict, windowVerdict } from '../core/maintenance-window.js';
import type { Entity } from '../core/entity.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';
import { releaseConfig, type ReleaseTarget } from './release/config.js';
import { quorumHold } from './release/quorum-hold.js';
import { memberOff, releaseSteps, runningVersion, targetVersion } from './release/steps.js';

const FAILED = 'failed';
const APPLIED = 'applied';

/** A release that failed: its version, and what the decision said (which target, which batch). */
type FailedRelease = {
  readonly version: string;
  readonly detail: string;
};

const EFFECTOR_OF: Readonly<Record<ReleaseTarget['strategy'], string>> = { rolling: 'rollingUpdate', canary: 'canary', blueGreen: 'blueGreen', update: 'update' };

/**
 * A release across the tree, level-based: every `evaluationInterval` it compares what each target runs with
 * the release's version, and plans one runbook over the targets still behind, in dependency order, each by
 * its strategy (rolling batches of `maxUnavailable` behind a health gate, canary, blue-green, or a single
 * update), with an optional health gate before dependents start. It starts only inside a maintenance window
 * and while no freeze switch (`release.freeze`) holds the policy's entity or a target; a freeze set during
 * the release stops it before the next target. When a target fails, that target rolls back the batch that
 * failed (and its members moved before), the targets after it are skipped, and the decision says which
 * target and batch; the release is not tried again until its version changes.
 */
export const release = definePolicy({
  name: 'release',
  description: 'releases a version across several entities in dependency order, in batches, inside maintenance windows, unless frozen',
  config: releaseConfig,
  requiresEntities: (config) =>
    config.targets.flatMap((t, i) => [{ entity: t.entity, configPath: ['targets', i, 'entity'] }, ...(t.traffic ? [{ entity: t.traffic.entity, configPath: ['targets', i, 'traffic', 'entity'] }] : [])]),
  requiresEffectors: (config) =>
    config.targets.flatMap((t, i) => [
      { entity: t.entity, effector: EFFECTOR_OF[t.strategy], configPath: ['targets', i, 'strategy'] },
      ...(t.traffic ? [{ entity: t.traffic.entity, effector: t.traffic.effector, configPath: ['targets', i, 'traffic', 'effector'] }] : []),
    ]),
  monitor: ({ config, scheduler, entity }) => {
    ensureFreezeSwitch(entity);
    return interval(config.evaluationInterval, scheduler);
  },
  analyze: (source, { config, tree, state }) =>
    source.pipe(
      map((): Symptom => {
        const applied = state.get<{ version: string; targets: string[] }>(APPLIED);
        const behind = config.targets.filter((t) => {
          const target = tree.find(t.entity);
          if (!target) return false;
          const running = runningVersion(target);
          if (running !== undefined) return running !== targetVersion(config, t);
          if (memberOff(target, targetVersion(config, t))) return true;
          // unreadable: done when the last applied release of this version covered it
          return !(applied?.version === config.version && applied.targets.includes(t.entity));
        });
        const inputs = behind.flatMap((t) => versionInputs(tree.find(t.entity)));
        return { kind: behind.length > 0 ? 'release.behind' : 'release.current', inputs, detail: { behind: behind.map((t) => t.entity) } };
      }),
    ),
  plan: (symptom, { config, tree, entity, scheduler, state }) => {
    if (symptom.kind === 'release.current') return undefined;
    const behind = (symptom.detail as { behind: string[] }).behind;
    const pending = config.targets.filter((t) => behind.includes(t.entity));
    const failed = state.get<FailedRelease>(FAILED);
    if (failed?.version === config.version) {
      return { actions: [], nonAction: 'refused', reason: `release ${config.version} failed (${failed.detail}); set another version to release again` };
    }
    const actions = releaseSteps(tree, config, pending);
    const names = actions.map((a) => a.entity).join(', ');
    const freeze = firstFreeze([entity, ...pending.flatMap((t) => tree.find(t.entity) ?? [])]);
    if (freeze) return { actions: [], nonAction: 'blocked', reason: `release ${config.version} of ${names} waits: frozen by release.freeze on '${freeze.entity}' since ${new Date(freeze.since).toISOString()}` };
    for (const target of pending) {
      const group = tree.find(target.entity);
      const hold = group ? quorumHold(group, target, targetVersion(config, target)) : undefined;
      if (hold) return { actions: [], nonAction: hold.nonAction, reason: `release ${config.version} of ${names} ${hold.nonAction === 'refused' ? 'refused' : 'waits'}: ${hold.why}` };
    }
    const verdict = windowVerdict(config.windows, scheduler.now());
    if (!verdict.open) return { actions: [], nonAction: 'blocked', reason: `release ${config.version} of ${names} waits: ${describeVerdict(verdict)}` };
    const order = actions.map((a) => `${a.entity} (${a.effector}${(a.after ?? []).length > 0 ? ` after ${(a.after ?? []).join(', ')}` : ''})`).join(', ');
    return {
      actions,
      reason: `release ${config.version}: ${order}; ${describeVerdict(verdict)}`,
      // a plan that waited behind a release is out of date once versions moved, and never runs right after
      // one ended (a failed release is not retried by a plan made before it failed)
      expect: symptom.inputs.map((o) => ({ entity: o.entity, sensor: o.sensor, value: o.value as string })),
      cooldown: { key: 'release', ms: config.evaluationInterval },
    };
  },
  observe: (decision, { config, state }) => {
    if (decision.outcome === 'applied' && decision.actions.length > 0) state.set(APPLIED, { version: config.version, targets: decision.actions.map((a) => a.entity) });
    if (decision.outcome === 'failed' && decision.error?.code !== 'E_ENGINE_STOPPED') state.set(FAILED, { version: config.version, detail: decision.detail ?? decision.error?.message ?? 'unknown' } satisfies FailedRelease);
  },
});

/** The version readings of a target (its members', or its own): the inputs the decision shows. */
function versionInputs(entity: Entity | undefined): Observation[] {
  if (!entity) return [];
  const sources = entity.members.length > 0 ? entity.members : [entity];
  return sources.flatMap((e) => (e.hasSensor('version') && e.sensor('version').current ? [e.sensor('version').current as Observation] : []));
}
