// Knowledge in Redis against knowledge in memory (not run in CI: it starts a redis-server of its own on a free
// port, never the shared one on 6379). Three measures, each a ratio taken within one run, rounds alternating
// between the two stores compared, reported as min/median/max over rounds:
// - decisions per second into the store: a fleet whose readings cross a threshold, each crossing a decision
//   and an invocation record written through the Knowledge front, timed until every write reached the store;
// - the loop's latency (reading that crosses a threshold -> effector invoked, real time) while the store
//   takes the writes in the background: what Redis adds to the loop, which never awaits the store;
// - what fencing costs (--ha): the same loop and raw batches into Redis with every write under a lease (its
//   check in the same script as the write) against unfenced, rounds alternating.
// Run: npx tsx bench/redis-knowledge.ts (BENCH_ROUNDS, BENCH_ENTITIES, BENCH_SAMPLES)
import { asyncScheduler } from 'rxjs';
import { z } from 'zod';
import { Engine, type Decision, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor, type KnowledgeStore, type Sensor } from '../src/index.js';
import { leaseHolder } from '../src/knowledge/redis/redis-keys.js';
import { RedisStore } from '../src/knowledge/redis/redis-store.js';
import type { WriteFence } from '../src/knowledge/store.js';
import { TestRedisServer } from '../test/support/redis-server.js';
import { emit, median, quantile } from './stats.js';
import { thresholdPolicy } from './threshold-policy.js';

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const ENTITIES = Number(process.env['BENCH_ENTITIES'] ?? 1_000);
const SAMPLES = Number(process.env['BENCH_SAMPLES'] ?? 1_000);
/** Readings per round: each entity crosses its threshold once every 10 readings of it (10 % decide). */
const READINGS = ENTITIES * 100;
const KEPT = 1_000_000;
/** Decisions per batch written straight to a store (the write queue sends what waits as one batch). */
const RAW_BATCH = 500;
const RAW_BATCHES = 40;

type StoreKind = 'memory' | 'redis';

/** Spread of a list of ratios. */
interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread {
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/** Flushes that found the store failing (and were retried), over the whole run. */
let storeFailures = 0;

/** The value entity `e` reads in pass `pass`: above 0.9 for one pass in ten. */
const valueOf = (e: number, pass: number): number => ((e + pass) % 10 === 0 ? 0.95 : 0.5);

/** A fleet of `ENTITIES` deciding through one store, driven in virtual time. */
async function throughputLoop(store: KnowledgeStore, fence?: WriteFence): Promise<{ sample: readonly Decision[]; round: (salt: number) => Promise<{ ms: number; decisions: number }>; stop: () => Promise<void> }> {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => undefined });
  const knowledge = new Knowledge(store, clock);
  // an instance acting under a lease (--ha) writes every record under it
  if (fence) knowledge.setWriteFence(() => fence);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  const root = tree.add({ id: 'root', type: 'application' });
  const sensors: Sensor<number>[] = [];
  for (let i = 0; i < ENTITIES; i++) {
    const e = tree.add({ id: `e${i}`, type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] }, root);
    engine.attach(e, thresholdPolicy, { sensor: 'cpu', above: 0.9 }, { id: `e${i}/cpu` });
    sensors.push(e.sensor<number>('cpu'));
  }
  let decisions = 0;
  const sample: Decision[] = [];
  const counting = engine.decisions$.subscribe((d) => {
    decisions += 1;
    if (sample.length < RAW_BATCH) sample.push(d);
  });
  engine.start();
  return {
    sample,
    round: async (salt) => {
      const d0 = decisions;
      const start = performance.now();
      for (let k = 0; k < READINGS; k++) {
        const e = k % ENTITIES;
        (sensors[e] as Sensor<number>).publish(valueOf(e, salt + Math.floor(k / ENTITIES)));
        if (k % 1000 === 999) await clock.advanceBy(1);
      }
      await clock.advanceBy(1);
      // a store that fails (a command timeout under load) is retried by the queue on the loop's clock
      for (let attempt = 0; ; attempt++) {
        try {
          await knowledge.flush();
          break;
        } catch (error) {
          if (attempt >= 60) throw error;
          storeFailures += 1;
          await clock.advanceBy(1_000);
        }
      }
      return { ms: performance.now() - start, decisions: decisions - d0 };
    },
    stop: async () => {
      counting.unsubscribe();
      await engine.stop();
    },
  };
}

/** The store's own capacity: RAW_BATCHES batches of RAW_BATCH decisions (fresh ids each) written straight to it. */
async function rawWrites(store: KnowledgeStore, sample: readonly Decision[], round: number, fence?: WriteFence): Promise<number> {
  const start = performance.now();
  for (let b = 0; b < RAW_BATCHES; b++) {
    const batch = sample.map((d, i) => ({ kind: 'decision', value: { ...d, id: `raw-${round}-${b}-${i}` }, ...(fence ? { fence } : {}) }) as const);
    // a batch that timed out is written again, as the queue does: ids make it idempotent
    for (let attempt = 0; ; attempt++) {
      try {
        await store.write(batch);
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
        storeFailures += 1;
      }
    }
  }
  return (RAW_BATCHES * sample.length) / ((performance.now() - start) / 1000);
}

/** One entity deciding in real time through one store; `round` measures SAMPLES crossings. */
async function latencyLoop(store: KnowledgeStore): Promise<{ round: () => Promise<number[]>; stop: () => Promise<void> }> {
  const tree = new EntityTree(asyncScheduler);
  let invoked: (() => void) | undefined;
  const restart = defineEffector({ name: 'restart', params: z.object({}), run: () => invoked?.() });
  const entity = tree.add({ id: 'svc', type: 'server', sensors: [numberSensor('cpu')], effectors: [restart] });
  const engine = new Engine({ tree, knowledge: new Knowledge(store, asyncScheduler), scheduler: asyncScheduler });
  engine.attach(entity, thresholdPolicy, { sensor: 'cpu', above: 0.9 });
  engine.start();
  const cpu = entity.sensor<number>('cpu');
  return {
    round: async () => {
      const samples: number[] = [];
      for (let i = 0; i < SAMPLES; i++) {
        cpu.publish(0.1);
        const done = new Promise<number>((resolve) => (invoked = () => resolve(performance.now())));
        const start = performance.now();
        cpu.publish(0.95);
        samples.push((await done) - start);
        // the writes go on in the background, as in a live service: the loop does not wait for them
        await new Promise((resolve) => setImmediate(resolve));
      }
      await engine.knowledge.flush();
      return samples;
    },
    stop: () => engine.stop(),
  };
}

type Fencing = 'unfenced' | 'fenced';

/**
 * What fencing costs (`--ha`): the same loop, and the same raw batches, into Redis with every write under a
 * lease this instance holds and without, rounds alternating; every fenced write must be applied.
 */
async function fenceCost(url: string, sample: readonly Decision[]): Promise<{ rate: Record<Fencing, number[]>; raw: Record<Fencing, number[]>; loopRatio: Spread; rawRatio: Spread }> {
  const fence: WriteFence = { lease: 'root', owner: 'bench', token: 1 };
  const open = async (namespace: string): Promise<RedisStore> => {
    const store = new RedisStore({ url, namespace, maxDecisions: KEPT, maxInvocations: KEPT });
    await store.connect();
    await store.redis.set(store.keys.lease('root'), leaseHolder(fence.owner, fence.token));
    return store;
  };
  const stores: Record<Fencing, RedisStore> = { unfenced: await open('bench-unfenced'), fenced: await open('bench-fenced') };
  const rawStores: Record<Fencing, RedisStore> = { unfenced: await open('bench-raw-unfenced'), fenced: await open('bench-raw-fenced') };
  const loops = { unfenced: await throughputLoop(stores.unfenced), fenced: await throughputLoop(stores.fenced, fence) };
  const rate: Record<Fencing, number[]> = { unfenced: [], fenced: [] };
  const raw: Record<Fencing, number[]> = { unfenced: [], fenced: [] };
  let made = 0;
  try {
    for (let r = 0; r <= ROUNDS; r++) {
      const order: Fencing[] = r % 2 === 0 ? ['unfenced', 'fenced'] : ['fenced', 'unfenced'];
      for (const kind of order) {
        const result = await loops[kind].round(r * 3);
        if (kind === 'fenced') made += result.decisions;
        if (r > 0) rate[kind].push(result.decisions / (result.ms / 1000)); // round 0: warm-up
      }
      // raw batches alternate batch by batch: the machine's load drifts less within one batch pair than a round
      const ms: Record<Fencing, number> = { unfenced: 0, fenced: 0 };
      for (let b = 0; b < RAW_BATCHES; b++) {
        for (const kind of b % 2 === 0 ? order : [...order].reverse()) {
          const batch = sample.map((d, i) => ({ kind: 'decision', value: { ...d, id: `raw-${r}-${b}-${i}` }, ...(kind === 'fenced' ? { fence } : {}) }) as const);
          const start = performance.now();
          await rawStores[kind].write(batch);
          ms[kind] += performance.now() - start;
        }
      }
      if (r > 0) for (const kind of order) raw[kind].push((RAW_BATCHES * sample.length) / (ms[kind] / 1000));
      if (r > 0) process.stderr.write(`fencing round ${r}: loop unfenced ${Math.round(rate.unfenced.at(-1) ?? 0)}/s, fenced ${Math.round(rate.fenced.at(-1) ?? 0)}/s; raw unfenced ${Math.round(raw.unfenced.at(-1) ?? 0)}/s, fenced ${Math.round(raw.fenced.at(-1) ?? 0)}/s\n`);
    }
    const inRedis = await stores.fenced.redis.zcard('homeostat:{bench-fenced}:decisions:by-seq');
    if (inRedis !== made) throw new Error(`${made} decisions were made under the lease, Redis holds ${inRedis}: fenced writes were refused`);
    const rawInRedis = await rawStores.fenced.redis.zcard('homeostat:{bench-raw-fenced}:decisions:by-seq');
    if (rawInRedis !== (ROUNDS + 1) * RAW_BATCHES * RAW_BATCH) throw new Error(`fenced raw writes: Redis holds ${rawInRedis}`);
  } finally {
    await loops.unfenced.stop();
    await loops.fenced.stop();
    for (const store of [...Object.values(stores), ...Object.values(rawStores)]) await store.close();
  }
  return {
    rate,
    raw,
    loopRatio: spread(rate.fenced.map((v, i) => v / (rate.unfenced[i] ?? NaN))),
    rawRatio: spread(raw.fenced.map((v, i) => v / (raw.unfenced[i] ?? NaN))),
  };
}

async function main(): Promise<void> {
  const redis = await TestRedisServer.start();
  const stores: Record<StoreKind, KnowledgeStore> = {
    memory: new MemoryStore({ maxDecisions: KEPT, maxInvocations: KEPT }),
    redis: new RedisStore({ url: redis.url, namespace: 'bench-throughput', maxDecisions: KEPT, maxInvocations: KEPT }),
  };
  try {
    await (stores.redis as RedisStore).connect();
    const loops = { memory: await throughputLoop(stores.memory), redis: await throughputLoop(stores.redis) };
    const rate: Record<StoreKind, number[]> = { memory: [], redis: [] };
    const timeRatios: number[] = [];
    let decisionsPerRound = 0;
    let stored = 0;
    for (let r = 0; r <= ROUNDS; r++) {
      // the order alternates, so neither store always runs on the warmer (or more disturbed) half of a round
      const order: StoreKind[] = r % 2 === 0 ? ['memory', 'redis'] : ['redis', 'memory'];
      const ms: Partial<Record<StoreKind, number>> = {};
      const made: Partial<Record<StoreKind, number>> = {};
      for (const kind of order) {
        const result = await loops[kind].round(r * 3);
        ms[kind] = result.ms;
        made[kind] = result.decisions;
      }
      if (made.memory !== made.redis) throw new Error(`round ${r}: the memory loop made ${made.memory} decisions, the Redis loop ${made.redis}`);
      stored += made.redis ?? 0;
      if (r === 0) continue; // warm-up
      decisionsPerRound = made.redis ?? 0;
      rate.memory.push(decisionsPerRound / ((ms.memory ?? NaN) / 1000));
      rate.redis.push(decisionsPerRound / ((ms.redis ?? NaN) / 1000));
      timeRatios.push((ms.redis ?? NaN) / (ms.memory ?? NaN));
      process.stderr.write(`throughput round ${r}: memory ${Math.round(rate.memory.at(-1) ?? 0)} decisions/s, redis ${Math.round(rate.redis.at(-1) ?? 0)} decisions/s\n`);
    }
    const raw: Record<StoreKind, number[]> = { memory: [], redis: [] };
    const rawStores: Record<StoreKind, KnowledgeStore> = {
      memory: new MemoryStore({ maxDecisions: KEPT }),
      redis: new RedisStore({ url: redis.url, namespace: 'bench-raw', maxDecisions: KEPT }),
    };
    for (let r = 0; r <= ROUNDS; r++) {
      const order: StoreKind[] = r % 2 === 0 ? ['memory', 'redis'] : ['redis', 'memory'];
      for (const kind of order) {
        const perSecond = await rawWrites(rawStores[kind], loops.memory.sample, r);
        if (r > 0) raw[kind].push(perSecond);
      }
    }
    const rawInRedis = await (rawStores.redis as RedisStore).redis.zcard('homeostat:{bench-raw}:decisions:by-seq');
    await rawStores.redis.close();
    // every decision of every round reached Redis, none twice (a write retried after a timeout replaces by id)
    const inRedis = await (stores.redis as RedisStore).redis.zcard(`homeostat:{bench-throughput}:decisions:by-seq`).catch(() => -1);
    await loops.memory.stop();
    await loops.redis.stop();

    const fencing = await fenceCost(redis.url, loops.memory.sample);

    const latencyStores: Record<StoreKind, KnowledgeStore> = {
      memory: new MemoryStore(),
      redis: new RedisStore({ url: redis.url, namespace: 'bench-latency' }),
    };
    await (latencyStores.redis as RedisStore).connect();
    const lat = { memory: await latencyLoop(latencyStores.memory), redis: await latencyLoop(latencyStores.redis) };
    const p50Ratios: number[] = [];
    const p99Ratios: number[] = [];
    const p50: Record<StoreKind, number[]> = { memory: [], redis: [] };
    const p99: Record<StoreKind, number[]> = { memory: [], redis: [] };
    for (let r = 0; r <= ROUNDS; r++) {
      const order: StoreKind[] = r % 2 === 0 ? ['memory', 'redis'] : ['redis', 'memory'];
      const samples: Partial<Record<StoreKind, number[]>> = {};
      for (const kind of order) samples[kind] = await lat[kind].round();
      if (r === 0) continue;
      for (const kind of order) {
        p50[kind].push(quantile(samples[kind] ?? [], 0.5));
        p99[kind].push(quantile(samples[kind] ?? [], 0.99));
      }
      p50Ratios.push((p50.redis.at(-1) ?? NaN) / (p50.memory.at(-1) ?? NaN));
      p99Ratios.push((p99.redis.at(-1) ?? NaN) / (p99.memory.at(-1) ?? NaN));
      process.stderr.write(`latency round ${r}: p50 memory ${p50.memory.at(-1)?.toFixed(3)} ms, redis ${p50.redis.at(-1)?.toFixed(3)} ms; p99 memory ${p99.memory.at(-1)?.toFixed(3)} ms, redis ${p99.redis.at(-1)?.toFixed(3)} ms\n`);
    }
    const decisionLogged = (await latencyStores.redis.queryDecisions({ limit: 1 })).length;
    await lat.memory.stop();
    await lat.redis.stop();
    await latencyStores.redis.close();

    const throughputRatio = spread(rate.redis.map((v, i) => v / (rate.memory[i] ?? NaN)));
    console.log(`decisions into the store (${ENTITIES} entities, ${decisionsPerRound} decisions + invocation records per round, ${ROUNDS} rounds): memory ${Math.round(median(rate.memory))}/s, Redis ${Math.round(median(rate.redis))}/s (median); Redis/memory rate ${throughputRatio.min.toFixed(2)} / ${throughputRatio.median.toFixed(2)} / ${throughputRatio.max.toFixed(2)} (min/median/max); ${inRedis} of ${stored} decisions found in Redis; ${storeFailures} flushes found the store failing and retried`);
    const rawRatio = spread(raw.redis.map((v, i) => v / (raw.memory[i] ?? NaN)));
    console.log(`decisions written straight to the store (batches of ${RAW_BATCH}): memory ${Math.round(median(raw.memory))}/s, Redis ${Math.round(median(raw.redis))}/s (median); Redis/memory rate ${rawRatio.min.toFixed(3)} / ${rawRatio.median.toFixed(3)} / ${rawRatio.max.toFixed(3)}; ${rawInRedis} found in Redis`);
    console.log(`loop latency, reading -> effector (${SAMPLES} crossings per round): p50 memory ${median(p50.memory).toFixed(3)} ms, Redis ${median(p50.redis).toFixed(3)} ms; p99 memory ${median(p99.memory).toFixed(3)} ms, Redis ${median(p99.redis).toFixed(3)} ms; Redis/memory p50 ${spread(p50Ratios).min.toFixed(2)} / ${spread(p50Ratios).median.toFixed(2)} / ${spread(p50Ratios).max.toFixed(2)}, p99 ${spread(p99Ratios).min.toFixed(2)} / ${spread(p99Ratios).median.toFixed(2)} / ${spread(p99Ratios).max.toFixed(2)}`);
    if (inRedis !== stored) throw new Error(`${stored} decisions were made, Redis holds ${inRedis}`);
    if (rawInRedis !== (ROUNDS + 1) * RAW_BATCHES * RAW_BATCH) throw new Error(`${(ROUNDS + 1) * RAW_BATCHES * RAW_BATCH} decisions were written straight to Redis, it holds ${rawInRedis}`);
    if (decisionLogged !== 1) throw new Error('the latency loop left no decision in Redis');
    console.log(`decisions into Redis under a lease (--ha: each run of writes under one lease checks it in the script that writes them) against unfenced: loop ${Math.round(median(fencing.rate.fenced))}/s against ${Math.round(median(fencing.rate.unfenced))}/s, fenced/unfenced ${fencing.loopRatio.min.toFixed(3)} / ${fencing.loopRatio.median.toFixed(3)} / ${fencing.loopRatio.max.toFixed(3)}; batches of ${RAW_BATCH} straight to the store ${Math.round(median(fencing.raw.fenced))}/s against ${Math.round(median(fencing.raw.unfenced))}/s, fenced/unfenced ${fencing.rawRatio.min.toFixed(3)} / ${fencing.rawRatio.median.toFixed(3)} / ${fencing.rawRatio.max.toFixed(3)} (min/median/max)`);
    emit({
      name: 'redis-knowledge',
      entities: ENTITIES,
      rounds: ROUNDS,
      decisionsPerRound,
      memoryDecisionsPerSecond: Math.round(median(rate.memory)),
      redisDecisionsPerSecond: Math.round(median(rate.redis)),
      rateRatioMin: throughputRatio.min,
      rateRatioMedian: throughputRatio.median,
      rateRatioMax: throughputRatio.max,
      timeRatioMedian: median(timeRatios),
      storeFailures,
      rawMemoryDecisionsPerSecond: Math.round(median(raw.memory)),
      rawRedisDecisionsPerSecond: Math.round(median(raw.redis)),
      rawRatioMin: rawRatio.min,
      rawRatioMedian: rawRatio.median,
      rawRatioMax: rawRatio.max,
      latencyMemoryP50Ms: median(p50.memory),
      latencyRedisP50Ms: median(p50.redis),
      latencyMemoryP99Ms: median(p99.memory),
      latencyRedisP99Ms: median(p99.redis),
      latencyP50RatioMin: spread(p50Ratios).min,
      latencyP50RatioMedian: spread(p50Ratios).median,
      latencyP50RatioMax: spread(p50Ratios).max,
      latencyP99RatioMin: spread(p99Ratios).min,
      latencyP99RatioMedian: spread(p99Ratios).median,
      latencyP99RatioMax: spread(p99Ratios).max,
      fencedDecisionsPerSecond: Math.round(median(fencing.rate.fenced)),
      unfencedDecisionsPerSecond: Math.round(median(fencing.rate.unfenced)),
      fencedRateRatioMin: fencing.loopRatio.min,
      fencedRateRatioMedian: fencing.loopRatio.median,
      fencedRateRatioMax: fencing.loopRatio.max,
      fencedRawRatioMin: fencing.rawRatio.min,
      fencedRawRatioMedian: fencing.rawRatio.median,
      fencedRawRatioMax: fencing.rawRatio.max,
    });
  } finally {
    await stores.redis.close().catch(() => undefined);
    await redis.dispose();
  }
}

await main();
