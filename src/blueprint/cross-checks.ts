import { SERVICE_STATE, SERVICE_UP } from '../core/lifecycle.js';
import { ESCALATION, SCALE_FLOOR } from '../core/standard-effectors.js';
import { isKindFeed } from './feed-kinds.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity } from './resolved.js';
import { publishedBy } from './sensor-decl.js';
import { callPolicyHook, parsePolicyConfigSafely } from './policy-hooks.js';

const STANDARD = [SERVICE_UP.name, SERVICE_STATE.name, ESCALATION.name, SCALE_FLOOR.name];

/** Sensors an entity built from this node will have. */
export function sensorsOf(node: ResolvedEntity): Set<string> {
  return new Set([...STANDARD, ...(node.type.sensors ?? []).map((s) => s.name), ...node.sensors.map((s) => s.name), ...node.enrichers.flatMap(publishedBy)]);
}

/** Every node of the tree, memberSpec templates included. */
export function* allNodes(node: ResolvedEntity): Iterable<ResolvedEntity> {
  yield node;
  if (node.memberSpec) yield* allNodes(node.memberSpec);
  for (const child of node.children) yield* allNodes(child);
}

/**
 * Checks what can only be checked across nodes: member references, membership cycles, and every sensor
 * an enricher or policy reads (on the entity itself, its children, or its members). `declaredIds` holds
 * every id in the document, so a member whose own node has problems is not also reported as missing.
 */
export function crossCheck(root: ResolvedEntity, declaredIds: ReadonlySet<string>): PathProblem[] {
  const problems: PathProblem[] = [];
  const byId = new Map<string, ResolvedEntity>();
  for (const node of allNodes(root)) if (node.id) byId.set(node.id, node);

  for (const node of allNodes(root)) {
    node.members.forEach((member, i) => {
      if (!declaredIds.has(member)) problems.push({ path: [...node.path, 'members', i], message: `member '${member}' is not an entity of this blueprint` });
      else if (member === node.id) problems.push({ path: [...node.path, 'members', i], message: `entity '${member}' cannot be a member of itself` });
    });
  }
  problems.push(...memberCycles(root, byId));

  for (const node of allNodes(root)) {
    const label = node.id ? `'${node.id}'` : 'the member spec';
    node.enrichers.forEach((enricher) => {
      const at = [...node.path, 'enrichers', enricher.index, 'sensor'];
      if (enricher.kind === 'aggregate') problems.push(...checkSources(node, enricher.from, enricher.sensor, at, byId, `enricher '${enricher.kind}'`));
      else problems.push(...checkSelf(node, enricher.sensor, at, `enricher '${enricher.kind}' of ${label}`));
    });
    node.feeds.forEach((feed) => {
      const at = [...node.path, 'feeds', feed.index, 'sensor'];
      problems.push(...(isKindFeed(feed) && feed.fansOut ? checkSources(node, 'members', feed.sensor, at, byId, 'a fan-out feed') : checkSelf(node, feed.sensor, at, `a feed of ${label}`)));
    });
    node.policies.forEach((policy) => {
      const i = policy.index;
      policy.when?.forEach((guard, k) => {
        const at = [...node.path, 'policies', i, 'when', k, 'entity'];
        const target = byId.get(guard.entity);
        if (!declaredIds.has(guard.entity)) problems.push({ path: at, message: `a when: guard of policy '${policy.definition.name}' names entity '${guard.entity}', which is not in this blueprint` });
        else if (target) problems.push(...checkSelf(target, guard.sensor, at, `a when: guard of policy '${policy.definition.name}'`));
      });
      const parsed = parsePolicyConfigSafely(policy.definition, policy.config);
      if (!('data' in parsed)) return;
      const atPolicy = [...node.path, 'policies', i];
      const entities = callPolicyHook(policy.definition, 'requiresEntities', () => policy.definition.requiresEntities?.(parsed.data) ?? []);
      if ('problem' in entities) problems.push({ path: atPolicy, message: entities.problem });
      for (const ref of 'value' in entities ? entities.value : []) {
        if (!declaredIds.has(ref.entity)) problems.push({ path: [...node.path, 'policies', i, 'config', ...(ref.configPath ?? [])], message: `policy '${policy.definition.name}' names entity '${ref.entity}', which is not in this blueprint` });
        else if (ref.sensor !== undefined && byId.has(ref.entity)) problems.push(...checkSelf(byId.get(ref.entity) as ResolvedEntity, ref.sensor, [...node.path, 'policies', i, 'config', ...(ref.configPath ?? [])], `a guard of policy '${policy.definition.name}'`));
      }
      const { requires } = policy.definition;
      if (!requires) return;
      const required = callPolicyHook(policy.definition, 'requires', () => requires(parsed.data));
      if ('problem' in required) {
        problems.push({ path: atPolicy, message: required.problem });
        return;
      }
      for (const requirement of required.value) {
        const at = [...node.path, 'policies', i, 'config', ...(requirement.configPath ?? [])];
        const who = `policy '${policy.definition.name}'`;
        if (requirement.entity !== undefined) {
          const named = byId.get(requirement.entity);
          if (named) problems.push(...checkSelf(named, requirement.sensor, at, who));
          continue;
        }
        if (requirement.on === 'members' && node.members.length === 0 && !node.memberSpec) {
          // members come only from the blueprint's list or the member spec: with neither, there is nothing to read
          problems.push({ path: at, message: `${who} on '${node.id}' reads sensor '${requirement.sensor}' of its members, but '${node.id}' has no members and no memberSpec` });
          continue;
        }
        problems.push(...(requirement.on === 'self' ? checkSelf(node, requirement.sensor, at, `${who} on ${label}`) : checkSources(node, requirement.on, requirement.sensor, at, byId, who)));
      }
    });
  }
  return problems;
}

function checkSelf(node: ResolvedEntity, sensor: string, at: DocPath, who: string): PathProblem[] {
  const available = sensorsOf(node);
  return available.has(sensor) ? [] : [{ path: at, message: `${who} reads sensor '${sensor}', which ${node.id ? `'${node.id}'` : 'the member spec'} does not have (it has: ${[...available].sort().join(', ')})` }];
}

function checkSources(node: ResolvedEntity, from: 'children' | 'members', sensor: string, at: DocPath, byId: Map<string, ResolvedEntity>, who: string): PathProblem[] {
  const sources: ResolvedEntity[] = from === 'children' ? [...node.children] : node.members.flatMap((m) => byId.get(m) ?? []);
  if (node.memberSpec) sources.push(node.memberSpec);
  const problems: PathProblem[] = [];
  for (const source of sources) {
    if (!sensorsOf(source).has(sensor)) {
      const name = source.id ? `${from === 'children' ? 'child' : 'member'} '${source.id}'` : `the member spec (type ${source.type.name})`;
      problems.push({ path: at, message: `${who} on '${node.id}' reads sensor '${sensor}' of its ${from}, but ${name} does not have it` });
    }
  }
  return problems;
}

function memberCycles(root: ResolvedEntity, byId: Map<string, ResolvedEntity>): PathProblem[] {
  const problems: PathProblem[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(id)), id];
      const node = byId.get(id);
      if (node) problems.push({ path: [...node.path, 'members'], message: `membership cycle: ${cycle.join(' -> ')}` });
      return;
    }
    state.set(id, 'visiting');
    for (const member of byId.get(id)?.members ?? []) if (byId.has(member) && member !== id) visit(member, [...trail, id]);
    state.set(id, 'done');
  };
  for (const node of allNodes(root)) if (node.id) visit(node.id, []);
  return problems;
}
