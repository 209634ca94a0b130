import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';
import { FREEZE_SENSOR } from '../../core/freeze.js';
import type { Action, Guard } from '../../knowledge/decision.js';
import type { ReleaseConfig, ReleaseTarget } from './config.js';

/** The version a target should run. */
export function targetVersion(config: ReleaseConfig, target: ReleaseTarget): string {
  return target.version ?? config.version;
}

/**
 * What a target runs now: the version of every serving member of a group (they must all agree), or the
 * entity's own `version`; undefined when it cannot be read or the members disagree (a release half done).
 */
export function runningVersion(entity: Entity): string | undefined {
  const serving = entity.members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped');
  const sources = serving.length > 0 ? serving : [entity];
  const versions = new Set(sources.map((e) => (e.hasSensor('version') ? e.sensor<unknown>('version').current?.value : undefined)));
  if (versions.size !== 1) return undefined;
  const [only] = versions;
  return typeof only === 'string' ? only : undefined;
}

/**
 * Whether a serving member of a group reads a version other than `version`: a group whose members disagree
 * (one moved by hand, a release half done) is behind, whatever release covered it last.
 */
export function memberOff(entity: Entity, version: string): boolean {
  return entity.members.some((m) => m.state !== 'stopping' && m.state !== 'stopped' && m.hasSensor('version') && typeof m.sensor<unknown>('version').current?.value === 'string' && m.sensor<unknown>('version').current?.value !== version);
}

/** `2m` style text for a duration in ms, as effector params read durations. */
const ms = (value: number): string => `${value}ms`;

/** `allowQuorumLoss` for the effector, only when the target allows it (the effectors' default is false). */
const quorumParam = (target: ReleaseTarget): { allowQuorumLoss?: true } => (target.allowQuorumLoss ? { allowQuorumLoss: true } : {});

/** The effector invocation that moves one target to its version. */
function operation(target: ReleaseTarget, version: string): Pick<Action, 'effector' | 'params' | 'check'> {
  switch (target.strategy) {
    case 'rolling':
      return { effector: 'rollingUpdate', params: { version, maxUnavailable: target.maxUnavailable, healthTimeout: target.healthTimeout, ...quorumParam(target) } };
    case 'canary':
      return {
        effector: 'canary',
        params: { version, steps: (target.steps ?? []).map((s) => ({ weight: s.weight, pause: ms(s.pause) })), checks: target.checks, maxUnavailable: target.maxUnavailable, healthTimeout: target.healthTimeout, ...(target.traffic ? { traffic: target.traffic } : {}), ...quorumParam(target) },
      };
    case 'blueGreen':
      return { effector: 'blueGreen', params: { version, checks: target.checks, analysis: ms(target.analysis), keepOldFor: ms(target.keepOldFor), healthTimeout: target.healthTimeout } };
    case 'update':
      return { effector: 'update', params: { version }, check: { entity: target.entity, sensor: 'service.up', op: 'eq', value: true, withinMs: target.healthTimeout } };
  }
}

/**
 * The freeze switches on the path from the root to an entity, as guards that must read "not frozen" when a
 * step is about to start: a freeze set during a release stops it before its next target.
 */
function freezeGuards(entity: Entity): Guard[] {
  const guards: Guard[] = [];
  for (let at: Entity | undefined = entity; at; at = at.parent) if (at.hasSensor(FREEZE_SENSOR.name) && at.sensor(FREEZE_SENSOR.name).current !== undefined) guards.push({ entity: at.id, sensor: FREEZE_SENSOR.name, op: 'ne', value: true });
  return guards;
}

/**
 * The runbook of a release over the pending targets: one step per target (id = the entity), each after
 * the pending targets it depends on (those already done need no wait), with its health gate as the step's
 * check and the freeze switches as its guards. No compensation: a failing target rolls itself back (the
 * batch that failed, and the members moved before it), and the targets done before it passed their gates.
 */
export function releaseSteps(tree: EntityTree, config: ReleaseConfig, pending: readonly ReleaseTarget[]): Action[] {
  const ids = new Set(pending.map((t) => t.entity));
  const ordered = topological(pending);
  return ordered.map((target) => {
    const version = targetVersion(config, target);
    const op = operation(target, version);
    const entity = tree.find(target.entity);
    const gate = target.gate ? { entity: target.gate.entity ?? target.entity, sensor: target.gate.sensor, op: target.gate.op, value: target.gate.value, withinMs: target.gate.within } : op.check;
    return {
      id: target.entity,
      entity: target.entity,
      effector: op.effector,
      params: op.params,
      after: target.after.filter((dep) => ids.has(dep)),
      ...(gate ? { check: gate } : {}),
      ...(entity ? { when: freezeGuards(entity) } : {}),
    };
  });
}

/** Targets in an order where each comes after those it depends on (stable otherwise). */
function topological(targets: readonly ReleaseTarget[]): ReleaseTarget[] {
  const out: ReleaseTarget[] = [];
  const placed = new Set<string>();
  const ids = new Set(targets.map((t) => t.entity));
  while (out.length < targets.length) {
    const next = targets.find((t) => !placed.has(t.entity) && t.after.every((d) => placed.has(d) || !ids.has(d)));
    if (!next) break; // a circle: refused by the config's validation
    out.push(next);
    placed.add(next.entity);
  }
  return out;
}
