import type { Entity } from '../../core/entity.js';

/**
 * The databases `entity` replicates with: the other children and members of its parent that have a `role`
 * sensor and the same `group` config (none by default), so a node can find the primary to follow without
 * knowing what kind of group it is in.
 */
export function peers(entity: Entity): Entity[] {
  const parent = entity.parent;
  if (!parent) return [];
  const group = entity.config['group'];
  return [...new Set([...parent.children, ...parent.members])].filter((e) => e !== entity && e.hasSensor('role') && e.config['group'] === group);
}

/** A peer that reports itself primary and up (the primary to follow), with its `address` sensor's value. */
export function writablePeer(entity: Entity): { entity: Entity; address: string } | undefined {
  for (const peer of peers(entity)) {
    if (peer.sensor<string>('role').current?.value !== 'primary' || peer.sensor<boolean>('service.up').value !== true) continue;
    const address = peer.hasSensor('address') ? peer.sensor<string>('address').value : undefined;
    if (address) return { entity: peer, address };
  }
  return undefined;
}

/** Splits `host:port` (the host may be an IPv6 address in brackets). */
export function splitAddress(address: string): { host: string; port: number } {
  const match = /^\[?(.+?)\]?:(\d+)$/.exec(address);
  if (!match) throw new Error(`'${address}' is not host:port`);
  return { host: match[1] as string, port: Number(match[2]) };
}
