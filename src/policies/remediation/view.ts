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

/**
 * The group whose quorum would be lost if these entities were down, described (`web: 1 of 2 up (need
 * all)`); groups are the entities' parents and the groups they are members of, with a recorded rule. A
 * healthy group with no spare member (a single server; a rule that needs all) may lose one member at a time.
 */
export function quorumLoss(tree: EntityTree, ids: readonly string[]): string | undefined {
  const down = new Set(ids);
  const groups = new Set<Entity>();
  for (const id of ids) {
    const entity = tree.find(id);
    if (!entity) continue;
    if (entity.parent) groups.add(entity.parent);
    for (const g of entity.groups) groups.add(g);
  }
  for (const group of groups) {
    const quorum = quorumRuleOf(group);
    if (!quorum) continue;
    const sources = quorum.from === 'members' ? group.members : group.children;
    if (!sources.some((s) => down.has(s.id))) continue;
    const ups = sources.map((s) => (down.has(s.id) ? false : s.sensor<boolean>('service.up').value));
    if (hasQuorum(quorum.rule, ups)) continue;
    // a group with no spare member (one server, or a rule that needs all) cannot be updated without a gap:
    // it is taken one member at a time, as a rolling update with one unavailable would
    const taken = sources.filter((s) => down.has(s.id)).length;
    const allUp = sources.map((s) => s.sensor<boolean>('service.up').value);
    const spareless = hasQuorum(quorum.rule, allUp) && sources.every((s) => !hasQuorum(quorum.rule, sources.map((o) => (o === s ? false : o.sensor<boolean>('service.up').value))));
    if (!(spareless && taken === 1)) return `${group.id} its quorum (${describeQuorum(quorum.rule, ups)})`;
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
