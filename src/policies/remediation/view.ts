import type { Entity } from '../../core/entity.js';
import type { EntityTree } from '../../core/entity-tree.js';
import { hasQuorum, describeQuorum } from '../../core/quorum.js';
import { quorumRuleOf } from '../../core/quorum-rules.js';
import { readInventory, type EntityInventory } from '../../planners/inventory.js';
import { freezeOf } from '../../core/freeze.js';
import { describeVerdict, windowVerdict } from '../../core/maintenance-window.js';
import { findingsSchema, type Finding } from '../../sensors/feeds/scan/finding.js';
import type { RemediationConfig } from './config.js';

/** The entity and everything below it, members included, in tree order (depth first, members after children). */
export function entitiesInScope(root: Entity): Entity[] {
  const seen = new Set<Entity>();
  const visit = (e: Entity): void => {
    if (seen.has(e)) return;
    seen.add(e);
    for (const child of e.children) visit(child);
    for (const member of e.members) visit(member);
  };
  visit(root);
  return [...seen];
}

/** The inventories of the entities in scope that have the inventory sensor; a stale reading is no reading. */
export function inventoriesOf(entities: readonly Entity[], sensor: string): EntityInventory[] {
  return entities.filter((e) => e.hasSensor(sensor)).map((e) => {
    const s = e.sensor(sensor);
    return readInventory(e.id, s.value, s.value === undefined ? undefined : s.current?.at);
  });
}

/** The findings sensor's value, or why it cannot be used. */
export function findingsOf(entity: Entity, sensor: string): { findings: Finding[]; at: number } | { why: string } {
  if (!entity.hasSensor(sensor)) return { why: `${entity.id} has no '${sensor}' sensor` };
  const s = entity.sensor(sensor);
  if (s.value === undefined) return { why: s.current === undefined ? 'no scanner report yet' : 'the scanner report is stale' };
  const parsed = findingsSchema.safeParse(s.value);
  if (!parsed.success) return { why: `the '${sensor}' reading is not a list of findings (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''})` };
  return { findings: parsed.data, at: s.current?.at ?? 0 };
}

/** The groups whose health follows a recorded quorum rule over the entity: its parent and the groups it is a member of. */
function quorumGroupsOf(tree: EntityTree, ids: readonly string[]): Entity[] {
  const groups = new Set<Entity>();
  for (const id of ids) {
    const entity = tree.find(id);
    if (!entity) continue;
    if (entity.parent) groups.add(entity.parent);
    for (const g of entity.groups) groups.add(g);
  }
  return [...groups].filter((g) => quorumRuleOf(g) !== undefined);
}

/**
 * The group whose quorum would be lost if these entities were down, described (`web its quorum (1 of 2 up
 * (need all))`); groups are the entities' parents and the groups they are members of, with a recorded rule.
 * A group with no spare member (one server, or 2 of 2 needed) loses its quorum with any member down: it
 * is never updated in place (see `surgeFor`).
 */
export function quorumLoss(tree: EntityTree, ids: readonly string[]): string | undefined {
  const down = new Set(ids);
  for (const group of quorumGroupsOf(tree, ids)) {
    const quorum = quorumRuleOf(group) as NonNullable<ReturnType<typeof quorumRuleOf>>;
    const sources = quorum.from === 'members' ? group.members : group.children;
    if (!sources.some((s) => down.has(s.id))) continue;
    const ups = sources.map((s) => (down.has(s.id) ? false : s.sensor<boolean>('service.up').value));
    if (!hasQuorum(quorum.rule, ups)) return `${group.id} its quorum (${describeQuorum(quorum.rule, ups)})`;
  }
  return undefined;
}

/** A group to grow by one member before one of its members is updated, and the size to grow it to. */
export interface Surge {
  readonly group: string;
  readonly size: number;
}

/**
 * The group that would lose its quorum with `id` down but would keep it with one more member up (a spareless
 * group by count: one server, or `atLeast: 2` of 2), when it can grow (`resize`) and counts its members:
 * surging it (one member more first) lets its members be updated without a gap. Undefined when no such
 * group blocks `id`, and for a rule no extra member satisfies (`all`).
 */
export function surgeFor(tree: EntityTree, id: string): Surge | undefined {
  for (const group of quorumGroupsOf(tree, [id])) {
    const quorum = quorumRuleOf(group) as NonNullable<ReturnType<typeof quorumRuleOf>>;
    if (quorum.from !== 'members' || !group.members.some((m) => m.id === id)) continue;
    const ups = group.members.map((m) => (m.id === id ? false : m.sensor<boolean>('service.up').value));
    if (hasQuorum(quorum.rule, ups)) continue;
    if (!hasQuorum(quorum.rule, [...ups, true]) || !group.hasEffector('resize')) return undefined;
    const serving = group.members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped').length;
    return { group: group.id, size: serving + 1 };
  }
  return undefined;
}

/**
 * Whether changes may start now: the maintenance windows, then the freeze switch (`release.freeze` on the
 * policy's entity or an ancestor, the same switch releases honour), then the freeze sensor the config names.
 */
export function changeGate(config: RemediationConfig, policyEntity: Entity, tree: EntityTree, now: number): { reason: 'window_closed' | 'frozen'; detail: string } | undefined {
  const verdict = windowVerdict(config.maintenanceWindows, now);
  if (!verdict.open) return { reason: 'window_closed', detail: describeVerdict(verdict) };
  const freeze = freezeOf(policyEntity);
  if (freeze) return { reason: 'frozen', detail: `changes are frozen (${freeze.entity}.release.freeze is true since ${new Date(freeze.since).toISOString()})` };
  if (!config.freeze) return undefined;
  const target = config.freeze.entity === undefined ? policyEntity : tree.find(config.freeze.entity);
  const frozen = target?.hasSensor(config.freeze.sensor) ? target.sensor(config.freeze.sensor).value : undefined;
  if (frozen === true) return { reason: 'frozen', detail: `changes are frozen (${target?.id ?? ''}.${config.freeze.sensor} is true)` };
  return undefined;
}
