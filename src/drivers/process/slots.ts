import { createServer } from 'node:net';
import type { Entity } from '../../core/entity.js';

/** A group member's place: its index (1-based, the smallest free one) and its port when the group fixes ports. */
export interface Slot {
  readonly index: number;
  readonly port?: number;
}

const slots = new WeakMap<Entity, Map<string, Slot>>();

/** The slots of a group's members, by member id. */
export function slotsOf(group: Entity): Map<string, Slot> {
  let map = slots.get(group);
  if (!map) slots.set(group, (map = new Map()));
  return map;
}

/** Gives member `id` of `group` the smallest free index (or the slot it had before). */
export function assignSlot(group: Entity, id: string, basePort: number | undefined, previous?: Slot): Slot {
  const map = slotsOf(group);
  const taken = new Set([...map.values()].map((s) => s.index));
  let index = previous?.index ?? 1;
  if (previous === undefined) while (taken.has(index)) index++;
  const port = previous?.port ?? (basePort === undefined ? undefined : basePort + index - 1);
  const slot: Slot = { index, ...(port === undefined ? {} : { port }) };
  map.set(id, slot);
  return slot;
}

/** The slot of a process entity in the group it is a member of, with that group; undefined outside one. */
export function slotOfMember(member: Entity): (Slot & { readonly group: Entity }) | undefined {
  for (const group of member.groups) {
    const slot = slots.get(group)?.get(member.id);
    if (slot) return { ...slot, group };
  }
  return undefined;
}

/**
 * Frees a member's slot once its process has stopped (not when it leaves the group: a retired member may
 * still hold its port during its stop grace, and the next member would take the same one).
 */
export function releaseSlot(group: Entity, id: string): void {
  slots.get(group)?.delete(id);
}

/** A port free on 127.0.0.1 now (the OS picks it; another program could still take it before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
