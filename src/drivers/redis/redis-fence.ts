import type { Redis } from 'ioredis';

/** The value of `min-replicas-to-write` that makes a primary refuse every write (no server has that many). */
export const FENCED_MIN_REPLICAS = '2147483647';

/** Settings of a server before it was fenced, restored when the fence is lifted. */
export interface SavedWriteSettings {
  readonly minReplicasToWrite: string;
  readonly minReplicasMaxLag: string;
}

async function configGet(client: Redis, name: string): Promise<string> {
  const reply = (await client.config('GET', name)) as unknown;
  const value = Array.isArray(reply) ? reply[1] : undefined;
  if (typeof value !== 'string') throw new Error(`CONFIG GET ${name} gave no value`);
  return value;
}

/**
 * Makes a reachable Redis refuse writes, two ways: `min-replicas-to-write` set beyond any number of replicas
 * (writes fail at once with NOREPLICAS, so clients learn to move, and it holds until lifted) and
 * `CLIENT PAUSE <pauseMs> WRITE` (writes wait rather than land, even from a client that slipped in before
 * the setting). The pause expires on its own, so a fenced node is re-fenced on every poll. Returns what the
 * settings were before (the first time), to restore on promotion or rejoin.
 */
export async function applyFence(client: Redis, pauseMs: number, saved: SavedWriteSettings | undefined): Promise<SavedWriteSettings> {
  let before = saved;
  if (!before) {
    const toWrite = await configGet(client, 'min-replicas-to-write');
    const maxLag = await configGet(client, 'min-replicas-max-lag');
    // a node fenced by an earlier run of homeostat: its own settings are lost, fall back to Redis' defaults
    before = { minReplicasToWrite: toWrite === FENCED_MIN_REPLICAS ? '0' : toWrite, minReplicasMaxLag: maxLag === '0' ? '10' : maxLag };
  }
  // the refusal only applies while min-replicas-max-lag is not 0
  await client.config('SET', 'min-replicas-max-lag', before.minReplicasMaxLag === '0' ? '10' : before.minReplicasMaxLag);
  await client.config('SET', 'min-replicas-to-write', FENCED_MIN_REPLICAS);
  await client.call('CLIENT', 'PAUSE', String(Math.max(1, Math.round(pauseMs))), 'WRITE');
  return before;
}

/**
 * Lifts a fence: unpauses writes and, when the server carries the fence's setting (this run's or an earlier
 * run's), restores the saved settings (Redis' defaults when none were saved). A server never fenced keeps
 * its own settings.
 */
export async function liftFence(client: Redis, saved: SavedWriteSettings | undefined): Promise<void> {
  await client.call('CLIENT', 'UNPAUSE');
  if ((await configGet(client, 'min-replicas-to-write')) !== FENCED_MIN_REPLICAS) return;
  await client.config('SET', 'min-replicas-to-write', saved?.minReplicasToWrite ?? '0');
  await client.config('SET', 'min-replicas-max-lag', saved?.minReplicasMaxLag ?? '10');
}
