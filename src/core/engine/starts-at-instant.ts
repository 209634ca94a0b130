import type { Action } from '../../knowledge/decision.js';
import type { EntityTree } from '../entity-tree.js';

/** How many plans of one policy may start on one target (entity and effector) at one instant of a virtual clock. */
export const MAX_STARTS_PER_TARGET_AT_INSTANT = 10;

/**
 * How many plans of a policy started on each target (entity and effector, as the actions name them) at one
 * instant of a virtual clock: the latest instant at which one started. With no cooldown, a policy whose action
 * makes the readings that ask for it again (a group resized by one, whose new member's reading asks for one
 * more) would act again and again at one instant, and a virtual clock (a simulation, a test) never moves on:
 * the run hangs. (In real time the clock moves on by itself, and the executor keeps no such count: a policy's
 * cooldown and its own bounds pace it.) In virtual time the executor refuses a plan whose target already took
 * `MAX_STARTS_PER_TARGET_AT_INSTANT` plans of the policy at this instant (`rate_limited`); the policy acts on it
 * again at a later instant. Plans that merely waited their turn at one instant (one executing, the newest
 * waiting, per target) stay far below the bound.
 *
 * A target is its entity's id: an action that names the entity by its path (`/app/web`) counts with one that
 * names it by id, so a policy cannot double its bound by naming one target both ways.
 *
 * Made at a policy's first started plan; most policies start one plan per instant, and then this holds the
 * instant, one target and its count.
 */
export class StartsAtInstant {
  /** @param idOf the id of the entity an action names (by id or by path); a name not in the tree stays as it is */
  constructor(private readonly idOf: (ref: string) => string) {}

  private at = Number.NaN;
  private entity: string | undefined;
  private effector: string | undefined;
  private count = 0;
  /** Counts of further targets started on at the same instant, by `entity`, NUL, `effector` (made for a second one). */
  private more: Map<string, number> | undefined;

  /** Notes that a plan with `actions` started at `now`. */
  started(actions: readonly Action[], now: number): void {
    if (now !== this.at) {
      this.at = now;
      this.entity = undefined;
      this.effector = undefined;
      this.count = 0;
      this.more = undefined;
    }
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i] as Action;
      const entity = this.idOf(action.entity);
      if (this.namedBefore(actions, i, entity)) continue; // a plan counts once per target
      if (this.entity === undefined) {
        this.entity = entity;
        this.effector = action.effector;
        this.count = 1;
      } else if (entity === this.entity && action.effector === this.effector) this.count++;
      else {
        const key = targetKey(entity, action.effector);
        const more = (this.more ??= new Map());
        more.set(key, (more.get(key) ?? 0) + 1);
      }
    }
  }

  /** The first of `actions` whose target took the most plans of the policy an instant allows, at `now`; undefined when none did. */
  spent(actions: readonly Action[], now: number): Action | undefined {
    if (now !== this.at) return undefined;
    for (const action of actions) {
      const entity = this.idOf(action.entity);
      const count = entity === this.entity && action.effector === this.effector ? this.count : (this.more?.get(targetKey(entity, action.effector)) ?? 0);
      if (count >= MAX_STARTS_PER_TARGET_AT_INSTANT) return action;
    }
    return undefined;
  }

  /** Whether an action before `actions[i]` names the same target (`entity` is `actions[i]`'s entity id). */
  private namedBefore(actions: readonly Action[], i: number, entity: string): boolean {
    const effector = (actions[i] as Action).effector;
    for (let j = 0; j < i; j++) {
      const earlier = actions[j] as Action;
      if (earlier.effector === effector && this.idOf(earlier.entity) === entity) return true;
    }
    return false;
  }
}

function targetKey(entity: string, effector: string): string {
  return `${entity}\u0000${effector}`;
}

/** Why a plan that `StartsAtInstant.spent` named is not started. */
export function spentAtInstantDetail(action: Action, now: number): string {
  return `${action.effector} on ${action.entity} was started by ${MAX_STARTS_PER_TARGET_AT_INSTANT} plans of this policy at this instant (${now}): a policy that acts again on its own action's effect before any time passes would loop; it may act on this target again at a later instant (a cooldown sets how much later)`;
}

/** What `StartsAtInstant` counts an action's entity by in `tree`: a path (`/app/web`) becomes the id of the entity at it. */
export function entityIdIn(tree: EntityTree): (ref: string) => string {
  return (ref) => (ref.startsWith('/') ? (tree.find(ref)?.id ?? ref) : ref);
}
