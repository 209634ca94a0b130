import { interval } from 'rxjs';
import type { SchedulerLike } from 'rxjs';
import { z } from 'zod';
import type { Entity } from '../../core/entity.js';
import { HomeostatError } from '../../core/errors.js';
import { defineEffector } from '../../effectors/define-effector.js';
import { writablePeer } from './group-primary.js';

const none = z.strictObject({});

/** Parameters of an effector that points a server at another one: both, or neither for the group's primary. */
export const targetParams = z.strictObject({ host: z.string().min(1).max(253).optional(), port: z.number().int().min(1).max(65_535).optional() });

/** What the shared effectors of a real database need from its driver. */
export interface ReplicationNode {
  /** `host:port` clients use. */
  readonly address: string;
  /** One poll unless one is under way. */
  tick(): void;
  /** Makes the server the primary and lifts any fence. */
  promote(): Promise<void>;
  /** Stops the server from taking writes (or fails saying why). */
  fence(signal: AbortSignal): Promise<{ fenced: string }>;
}

/**
 * The address `entity` should follow: `host:port` when both are given, else the group's writable primary.
 * @throws HomeostatError E_NO_PRIMARY when neither is there; E_SELF_REPLICA when it is the server itself
 */
export function followTarget(entity: Entity, self: string, params: z.output<typeof targetParams>, action: string): string {
  const to = params.host !== undefined && params.port !== undefined ? `${params.host}:${params.port}` : writablePeer(entity)?.address;
  if (!to) throw new HomeostatError('E_NO_PRIMARY', `cannot ${action} '${entity.id}': no host and port given and its group has no writable primary`, { retryable: true });
  if (to === self) throw new HomeostatError('E_SELF_REPLICA', `cannot make '${entity.id}' follow itself (${to})`);
  return to;
}

/**
 * Adds `promote` (refused with E_SPLIT_BRAIN while another member of the group is a writable primary, whoever
 * asks) and `fence` to a real database entity.
 */
export function addPromoteAndFence(entity: Entity, node: ReplicationNode, texts: { promote: string; fence: string }, timeouts: { promoteMs?: number; fenceMs: number }): void {
  entity.addEffector(defineEffector({
    name: 'promote',
    description: `${texts.promote} (refused while another server of the group is a writable primary)`,
    params: none,
    idempotent: true,
    ...(timeouts.promoteMs === undefined ? {} : { timeoutMs: timeouts.promoteMs }),
    run: async () => {
      const other = writablePeer(entity);
      if (other) throw new HomeostatError('E_SPLIT_BRAIN', `cannot promote '${entity.id}': '${other.entity.id}' (${other.address}) is a writable primary of its group; fence or demote it first`);
      await node.promote();
      return { primary: node.address };
    },
  }));
  entity.addEffector(defineEffector({
    name: 'fence',
    description: `stop this server from taking writes (${texts.fence}); fails when it cannot be reached, unless a fence command is configured`,
    params: none,
    idempotent: true,
    timeoutMs: timeouts.fenceMs,
    run: (_params, { signal }) => node.fence(signal),
  }));
}

/** Publishes the address, marks the entity running and polls every `everyMs`; returns the stop function. */
export function startPolling(entity: Entity, node: ReplicationNode, everyMs: number, scheduler: SchedulerLike, close?: () => void): () => void {
  entity.sensor('address').publish(node.address);
  entity.setState('running');
  const ticks = interval(everyMs, scheduler).subscribe(() => node.tick());
  node.tick();
  return () => {
    ticks.unsubscribe();
    close?.();
  };
}

/** Adds `demote`: the server follows `host:port`, or the group's primary (E_NO_PRIMARY when there is none). */
export function addDemote(entity: Entity, node: ReplicationNode, description: string, follow: (address: string) => Promise<void>): void {
  entity.addEffector(defineEffector({
    name: 'demote',
    description,
    params: targetParams,
    idempotent: true,
    run: async (params) => {
      const to = followTarget(entity, node.address, params, 'demote');
      await follow(to);
      return { follows: to };
    },
  }));
}
