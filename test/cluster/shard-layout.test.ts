// Instances on one Redis that cut the tree into leases differently must not act at once: one run with `--ha`
// (one lease for the whole tree) and one with `--ha --shards` (a lease per subtree), or two with `--shards`
// whose blueprints differ in a `shard: true` mark, each hold leases of their own names for the same entities.
// Real processes on a redis-server of the test's own, driving a fenced HTTP target; every wait is bounded.
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FencedTarget } from '../support/fenced-target.js';
import { TestRedisServer } from '../support/redis-server.js';
import { startInstance, tickerBlueprint, until, type HaInstance } from './ha-target.js';

let redis: TestRedisServer;
let target: FencedTarget;
const children = new Set<ChildProcess>();
const root = path.resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  redis = await TestRedisServer.start();
  target = await FencedTarget.start();
}, 20_000);

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  await until('the instances ended', 10_000, () => (children.size === 0 ? true : undefined));
  await redis.restart();
  target.requests.length = 0;
});

afterAll(async () => {
  await target.close();
  await redis.dispose();
});

/** The leases an instance leads, or undefined when it does not answer. */
async function leading(instance: HaInstance): Promise<string[] | undefined> {
  try {
    const body = (await (await fetch(`http://127.0.0.1:${instance.port}/health`, { signal: AbortSignal.timeout(1_000) })).json()) as { leases: { shard: string; role: string }[] };
    return body.leases.filter((l) => l.role === 'leader').map((l) => l.shard);
  } catch {
    return undefined;
  }
}

/** A blueprint app > s1 > s1a, app > s2, a ticker acting on s1a and s2; `mark` makes s1a a shard of its own. */
async function nestedBlueprint(mark: boolean): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-layout-'));
  const file = path.join(dir, 'nested.yaml');
  const acting = (indent: string): string => [
    'effectors:',
    `  - { name: act, kind: http, method: POST, url: "http://127.0.0.1:${target.port}/act/{{id}}", status: [200], timeout: 2s }`,
    'policies:',
    `  - { module: ${path.join(root, 'test/cluster/fixtures/ticker-policy.ts')}, config: { every: 100 } }`,
  ].map((line) => indent + line).join('\n');
  await writeFile(file, `name: layout\napplication:\n  id: app\n  children:\n    - id: s1\n      children:\n        - id: s1a\n${mark ? '          shard: true\n' : ''}${acting('          ')}\n    - id: s2\n${acting('      ')}\n`);
  return file;
}

/**
 * Waits until `count` more actions reached the target after now, then returns what the target got since: the
 * tokens each resource's actions carried, in the order they came, and how many were refused as stale. Two
 * instances acting at once interleave their tokens (and the older one's are refused); a hand-over (a lease
 * that lapsed on a starved machine) only ever moves to a newer token.
 */
async function actionsFromNow(count: number): Promise<{ tokensByPath: Record<string, number[]>; refused: number }> {
  const from = target.requests.length;
  await until(`${count} more actions`, 20_000, () => (target.requests.length - from >= count ? true : undefined));
  const since = target.requests.slice(from);
  const tokensByPath: Record<string, number[]> = {};
  for (const r of since) (tokensByPath[r.path] ??= []).push(r.token ?? -1);
  return { tokensByPath, refused: since.filter((r) => !r.accepted).length };
}

/** True when the tokens never go back to an older one (one instance at a time, hand-overs only forward). */
const forwardOnly = (tokens: readonly number[]): boolean => tokens.every((t, i) => i === 0 || t >= (tokens[i - 1] as number));

describe('instances whose leases cut the tree differently', () => {
  it('an instance with --shards does not act beside one holding the whole tree with --ha alone', async () => {
    const blueprint = await tickerBlueprint(target.port, 100, 2);
    const whole = await startInstance(blueprint, redis.url, ['--lease', '1000'], children);
    await until('the --ha instance leads', 40_000, async () => ((await leading(whole))?.includes('root') ? true : undefined));
    const sharded = await startInstance(blueprint, redis.url, ['--lease', '1000', '--shards'], children);
    await until('the --shards instance answers', 40_000, () => leading(sharded));
    const seen = await actionsFromNow(40);
    expect(seen.refused).toBe(0);
    for (const [resource, tokens] of Object.entries(seen.tokensByPath)) expect(forwardOnly(tokens), `${resource}: ${tokens.join(', ')}`).toBe(true);
    // once the instance of the other layout is gone, this one takes every shard within about a lease time
    const killedAt = performance.now();
    whole.child.kill('SIGKILL');
    await until('the --shards instance leads every shard', 10_000, async () => ((await leading(sharded))?.length === 3 ? true : undefined));
    const tookMs = performance.now() - killedAt;
    const after = await actionsFromNow(20);
    expect(after.refused).toBe(0);
    expect(tookMs).toBeLessThan(5_000); // the layout's ttl (1 s) + one heartbeat (250 ms), with room for a busy machine
    console.log(`the --shards instance led every shard ${tookMs.toFixed(0)} ms after the --ha instance was killed`);
  }, 60_000);

  it('an instance whose blueprint marks a subtree as a shard does not act beside one whose blueprint does not', async () => {
    const plain = await startInstance(await nestedBlueprint(false), redis.url, ['--lease', '1000', '--shards'], children);
    await until('the first instance leads every shard', 40_000, async () => ((await leading(plain))?.length === 3 ? true : undefined));
    const marked = await startInstance(await nestedBlueprint(true), redis.url, ['--lease', '1000', '--shards'], children);
    await until('the second instance answers', 40_000, () => leading(marked));
    const seen = await actionsFromNow(40);
    expect(seen.refused).toBe(0);
    for (const [resource, tokens] of Object.entries(seen.tokensByPath)) expect(forwardOnly(tokens), `${resource}: ${tokens.join(', ')}`).toBe(true);
  }, 60_000);
});
