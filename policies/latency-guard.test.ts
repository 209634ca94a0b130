// The example policy module's own test, in virtual time: a minute-long window and a 30 s hold are tested
// in milliseconds. Write your own policy tests the same way.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Engine, EntityTree, Knowledge, MemoryStore, VirtualClock, defineEffector, numberSensor } from '../src/index.js';
import latencyGuard from './latency-guard.js';

async function setup() {
  const clock = new VirtualClock();
  const tree = new EntityTree(clock);
  const web = tree.add({
    id: 'web',
    type: 'cluster',
    sensors: [numberSensor('latency.max', { staleAfterMs: 30_000 }), numberSensor('group.size')],
    effectors: [defineEffector({ name: 'resize', params: z.object({ size: z.number().int() }), run: ({ size }, { entity }) => void entity.sensor('group.size').publish(size) })],
  });
  web.sensor('group.size').publish(2);
  const knowledge = new Knowledge(new MemoryStore(), clock);
  const engine = new Engine({ tree, knowledge, scheduler: clock });
  engine.attach(web, latencyGuard, { sensor: 'latency.max', above: 0.25, window: '20s', for: '30s', max: 4 }, { cooldownMs: 60_000 });
  engine.start();
  /** Publishes `latency` every 5 s for `seconds`. */
  const feed = async (latency: number, seconds: number) => {
    for (let t = 0; t < seconds; t += 5) {
      web.sensor('latency.max').publish(latency);
      await clock.advanceBy(5_000);
    }
  };
  return { clock, web, knowledge, feed };
}

describe('latency-guard (example policy module)', () => {
  it('adds a member once the windowed mean has stayed above the bound for the hold time', async () => {
    const { web, knowledge, feed } = await setup();
    await feed(0.1, 30); // calm: fills the 20 s window
    await feed(0.9, 30); // the 20 s mean is above 0.25 from the second slow reading (5 s in); must hold 30 s
    expect(web.sensor('group.size').value).toBe(2);
    await feed(0.9, 10);
    expect(web.sensor('group.size').value).toBe(3);
    const [decision] = await knowledge.queryDecisions({ outcome: 'applied' });
    expect(decision?.reason).toMatch(/^mean latency\.max over 20 s is 0\.\d+ s, above 0\.25 s for 30 s: resize 2 -> 3$/);
  });

  it('ignores a spike shorter than the hold time', async () => {
    const { web, feed } = await setup();
    await feed(0.1, 30);
    await feed(2.0, 10); // the 20 s mean stays above 0.25 for 25 s only: shorter than the 30 s hold
    await feed(0.05, 120);
    expect(web.sensor('group.size').value).toBe(2);
  });

  it('never grows past max, and says nothing before the window is covered', async () => {
    const { web, knowledge, feed } = await setup();
    await feed(5, 15); // 10 s of data at the last reading: under 80 % of the 20 s window, nothing is concluded
    expect(await knowledge.queryDecisions({})).toEqual([]);
    await feed(5, 600);
    expect(web.sensor('group.size').value).toBe(4);
  });

  // found by the blueprint fuzz: web-shop.yaml with window: 0s passed validate, and the policy faulted at every
  // evaluation (rollingMean: windowMs must be a positive finite number). A window is an interval, never zero.
  it('refuses a window of 0 in its config', () => {
    const parsed = latencyGuard.config.safeParse({ above: 0.25, window: '0s', max: 4 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['window']);
  });
});
