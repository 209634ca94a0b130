import { Subscription, merge } from 'rxjs';
import type { Entity } from '../../core/entity.js';
import type { ServiceState } from '../../core/lifecycle.js';
import { hasQuorum, quorumHolds, type QuorumRule } from '../../core/quorum.js';
import { recordQuorumRule } from '../../core/quorum-rules.js';
import type { Enricher } from './enricher.js';
import { followSources, sourceCountOf, sourcesOf, type SourceSet } from './sources.js';
import { UpTally } from './up-tally.js';

/** Options of `quorumUp`. */
export interface QuorumUpOptions {
  readonly from: SourceSet;
  readonly rule: QuorumRule;
}

/**
 * Computes an entity's `service.up` from its children's or members' (a quorum rule), and its
 * `service.state`: `running` with quorum, `on-fire` when quorum is lost after it was running. A parent that
 * is stopping or stopped is left alone.
 */
export function quorumUp(options: QuorumUpOptions): Enricher {
  return {
    description: `quorum(${options.rule.rule}, ${options.from}.service.up) -> service.up`,
    publishes: ['service.up', 'service.state'],
    start(entity, { tree, scheduler }) {
      recordQuorumRule(entity, { from: options.from, rule: options.rule });
      // the up-count follows each source's readings and the expiry of bounded health; every source is read
      // again only while the tree may be announcing a change the tally has not heard yet: more changes of this
      // entity under way than the one being heard (`heard`: 1 from the tally's own listener), or sizes that differ.
      // Readings a subscriber ahead of the tally answered with another reading are caught up first.
      const tally = new UpTally(scheduler);
      const quorum = (heard: number): boolean => {
        tally.catchUp();
        if (tree._announcing(entity) <= heard && tally.size === sourceCountOf(entity, options.from)) return quorumHolds(options.rule, tally.healthy(), tally.size);
        return hasQuorum(options.rule, sourcesOf(entity, options.from).map((e) => e.sensor<boolean>('service.up').value));
      };
      // bumped by each recompute: one that a subscriber told of this one's `service.up` set off has the last word
      let recomputes = 0;
      const recompute = (heard = 0): void => {
        const run = ++recomputes;
        const up = quorum(heard);
        if (stoppingOrStopped(entity)) return;
        if (entity.sensor<boolean>('service.up').current?.value !== up) entity.setUp(up);
        // one decided (and set the state) after this one: its answer is newer
        if (recomputes !== run || stoppingOrStopped(entity)) return;
        const state = entity.state;
        const next: ServiceState | undefined = up ? 'running' : state === 'running' ? 'on-fire' : undefined;
        if (next && next !== state) entity.setState(next);
      };
      const subscription = followSources(
        tree,
        entity,
        options.from,
        (source) => {
          tally.add(source);
          const readings = merge(source.sensor('service.up').readings$, source.sensor('service.state').readings$).subscribe(() => {
            tally.refresh(source);
            recompute();
          });
          readings.add(() => tally.delete(source));
          return readings;
        },
        () => recompute(1),
      );
      recompute();
      return subscription ?? new Subscription();
    },
  };
}

/** Whether the entity is stopping or stopped (read anew: a subscriber may have changed it since). */
function stoppingOrStopped(entity: Entity): boolean {
  return entity.state === 'stopping' || entity.state === 'stopped';
}
