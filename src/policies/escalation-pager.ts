import { Observable, filter, map, type Subscription } from 'rxjs';
import { z } from 'zod';
import type { Entity } from '../core/entity.js';
import type { EntityTree } from '../core/entity-tree.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Symptom } from './define-policy.js';
import { notifyEffector } from './notify-option.js';

/** Config of the built-in escalation pager. */
export const escalationPagerConfig = z.strictObject({
  /** Entity that carries the notify effector (a `notifier`). */
  notify: z.strictObject({ entity: z.string().min(1), effector: z.string().min(1).default('notify'), severity: z.enum(['critical', 'warning', 'info']).default('critical') }),
  /**
   * `unhandled` (default): page for escalations nobody above handles: this entity's own, and those of
   * entities that are no group's member (a member's escalation is its group's replacer's to act on).
   * `all`: page for every escalation below.
   */
  escalations: z.enum(['unhandled', 'all']).default('unhandled'),
});

type Escalation = { reason: string; by: string; at: number };

/** Escalation readings of every entity of the subtree, following entities added later. */
function subtreeEscalations(tree: EntityTree, root: Entity): Observable<Observation<Escalation>> {
  return new Observable((subscriber) => {
    const followed = new Map<Entity, Subscription>();
    const follow = (e: Entity): void => {
      if (followed.has(e) || (e !== root && ![...e.ancestors()].includes(root))) return;
      followed.set(e, e.sensor<Escalation>('escalation').changes$.subscribe((o) => subscriber.next(o)));
    };
    for (const e of root.subtree()) follow(e);
    const changes = tree.changes$.subscribe((change) => {
      if (change.kind === 'added') follow(change.entity);
      if (change.kind === 'removed') {
        followed.get(change.entity)?.unsubscribe();
        followed.delete(change.entity);
      }
    });
    return () => {
      changes.unsubscribe();
      for (const s of followed.values()) s.unsubscribe();
    };
  });
}

/**
 * Pages a person when an escalation reaches the top with nobody to handle it (before, it was dropped):
 * attach it to the root (or a site) with a `notifier` entity to call. Each escalation pages once.
 */
export const escalationPager = definePolicy({
  name: 'escalation-pager',
  description: 'pages a person for escalations that no policy above handles',
  config: escalationPagerConfig,
  requiresEffectors: (config) => notifyEffector(config.notify),
  requiresEntities: (config) => [{ entity: config.notify.entity, configPath: ['notify', 'entity'] }],
  monitor: ({ tree, entity }) => subtreeEscalations(tree, entity),
  analyze: (source, { tree, entity, config }) => {
    const paged = new Set<string>();
    const isMember = (e: Entity): boolean => [...tree.entities()].some((g) => g.members.includes(e));
    return source.pipe(
      filter((o) => {
        const key = `${o.entity}@${o.value.at}`;
        if (paged.has(key)) return false;
        const escalated = tree.find(o.entity);
        if (!escalated || (config.escalations === 'unhandled' && escalated !== entity && isMember(escalated))) return false;
        paged.add(key);
        return true;
      }),
      map((o): Symptom => ({ kind: 'escalation', inputs: [o], detail: { entity: o.entity, reason: o.value.reason, by: o.value.by } })),
    );
  },
  plan: (symptom, { config, policyId }) => {
    const { entity, reason, by } = symptom.detail as { entity: string; reason: string; by: string };
    return {
      actions: [{ entity: config.notify.entity, effector: config.notify.effector, params: { summary: `${entity} escalated and nothing above handles it`, description: `${reason} (by ${by})`, severity: config.notify.severity, source: entity, labels: { policy: policyId, by } } }],
      reason: `${entity} escalated (${reason}, by ${by}) and no policy above handles it: paging via ${config.notify.entity}`,
    };
  },
});
