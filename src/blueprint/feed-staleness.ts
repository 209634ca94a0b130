import type { SensorDefinition } from '../sensors/define-sensor.js';
import { isKindFeed } from './feed-kinds.js';
import type { ResolvedEntity } from './resolved.js';

/**
 * Gives the sensors that feeds of a kind write (on the entity, or on its member spec for fan-out feeds) the
 * feed's staleness bound when they declare none: `staleAfter`, default 2 x every + timeout. A feed that
 * stops answering thus leaves its sensors stale, never holding an old value as if it were current.
 */
export function applyFeedStaleness(node: ResolvedEntity): ResolvedEntity {
  const own = new Map<string, number>();
  const members = new Map<string, number>();
  for (const feed of node.feeds) {
    if (!isKindFeed(feed)) continue;
    (feed.fansOut ? members : own).set(feed.sensor, feed.staleAfter ?? 2 * feed.every + feed.timeout);
  }
  if (own.size === 0 && members.size === 0) return node;
  const memberSpec = node.memberSpec && members.size > 0 ? { ...node.memberSpec, sensors: bounded(node.memberSpec.sensors, members) } : node.memberSpec;
  return { ...node, sensors: bounded(node.sensors, own), ...(memberSpec ? { memberSpec } : {}) };
}

function bounded(sensors: readonly SensorDefinition<unknown>[], bounds: ReadonlyMap<string, number>): SensorDefinition<unknown>[] {
  return sensors.map((s) => {
    const bound = bounds.get(s.name);
    return bound === undefined || s.staleAfterMs !== undefined ? s : Object.freeze({ ...s, staleAfterMs: bound });
  });
}

/**
 * The same for members named in `members:` (declared elsewhere in the tree): each gets the staleness bound
 * of the fan-out feeds of its groups, for sensors that declare none. Returns a new tree.
 */
export function applyFanOutStaleness(root: ResolvedEntity): ResolvedEntity {
  const byMember = new Map<string, Map<string, number>>();
  const visit = (node: ResolvedEntity): void => {
    for (const feed of node.feeds) {
      if (!isKindFeed(feed) || !feed.fansOut) continue;
      for (const member of node.members) {
        const bounds = byMember.get(member) ?? new Map<string, number>();
        bounds.set(feed.sensor, Math.min(bounds.get(feed.sensor) ?? Infinity, feed.staleAfter ?? 2 * feed.every + feed.timeout));
        byMember.set(member, bounds);
      }
    }
    if (node.memberSpec) visit(node.memberSpec);
    node.children.forEach(visit);
  };
  visit(root);
  if (byMember.size === 0) return root;
  const rebuild = (node: ResolvedEntity): ResolvedEntity => {
    const bounds = node.id ? byMember.get(node.id) : undefined;
    return { ...node, ...(bounds ? { sensors: bounded(node.sensors, bounds) } : {}), children: node.children.map(rebuild) };
  };
  return rebuild(root);
}
