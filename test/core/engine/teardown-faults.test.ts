// A policy's stream whose finalizer throws (closing a client it already closed) made rxjs throw an
// UnsubscriptionError out of the runner: out of a fault, it replaced the fault being recorded, or ended the
// process when the reading came from outside the scheduler; out of a stop, it left a reconfigured policy
// stopped for good and cut `engine.stop()` short, the policies after it still deciding. Now the fault is
// recorded as it was, the teardown's failure after it as a `teardown` fault that restarts nothing, and the
// stop, the restart or the config change goes on.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Observable, Subject, config as rxjsConfig, map } from 'rxjs';
import { z } from 'zod';
import { definePolicy } from '../../../src/policies/define-policy.js';
import { engineFixture, followLoad } from './fixture.js';

/** A source the test pushes into from outside the scheduler, as a module's own timer or client would. */
let outside = new Subject<number>();

/** A policy whose stream's finalizer throws, and whose analyze throws on a reading of `failOn`. */
const tearsBadly = definePolicy({
  name: 'tears-badly',
  config: z.object({ failOn: z.number().default(-1), label: z.string().default('first') }),
  monitor: () => new Observable<number>((subscriber) => {
    const subscription = outside.subscribe(subscriber);
    return () => {
      subscription.unsubscribe();
      throw new Error('client already closed');
    };
  }),
  analyze: (source, { config }) => source.pipe(map((value) => {
    if (value === config.failOn) throw new Error(`analyze broke on ${value}`);
    return { kind: 'seen', inputs: [] };
  })),
  plan: () => undefined,
});

describe('a policy stream whose finalizer throws', () => {
  const escaped: unknown[] = [];
  const onProcessError = (error: unknown) => escaped.push(error);
  const saved = rxjsConfig.onUnhandledError;
  beforeEach(() => {
    outside = new Subject<number>();
    escaped.length = 0;
    rxjsConfig.onUnhandledError = (error: unknown) => escaped.push(error);
    process.on('uncaughtException', onProcessError);
  });
  afterEach(() => {
    rxjsConfig.onUnhandledError = saved;
    process.off('uncaughtException', onProcessError);
  });

  it('records the fault that ended the run, then the teardown, throws nothing to the source, and restarts', async () => {
    const { engine, web, clock, knowledge } = await engineFixture();
    engine.attach(web, tearsBadly, { failOn: 7 }, { id: 'bad' });
    engine.start();
    expect(() => outside.next(7)).not.toThrow();
    const faults = await knowledge.queryFaults({ policy: 'bad' });
    // newest first: the teardown after the fault it followed
    expect(faults.map((f) => [f.phase, f.restartInMs])).toEqual([['teardown', 0], ['analyze', 1_000]]);
    expect(faults[1]?.message).toBe('analyze broke on 7');
    expect(faults[0]?.message).toMatch(/^ending the policy's stream threw .*: client already closed$/);
    expect(engine.policy('bad')).toMatchObject({ state: 'restarting', faults: 2 });
    await clock.advanceBy(1_000);
    expect(engine.policy('bad').state).toBe('running');
    expect(outside.observed).toBe(true);
    await engine.stop();
    expect(outside.observed).toBe(false);
    expect(escaped).toEqual([]);
  });

  it('takes a config change: the old run ends, its teardown is recorded, the new one runs', async () => {
    const { engine, web, knowledge } = await engineFixture();
    engine.attach(web, tearsBadly, { label: 'first' }, { id: 'bad' });
    engine.start();
    expect(engine.reconfigure('bad', { label: 'second' }).state).toBe('running');
    expect(engine.attachment('bad').config).toEqual({ failOn: -1, label: 'second' });
    expect(outside.observers).toHaveLength(1);
    expect((await knowledge.queryFaults({ policy: 'bad' })).map((f) => f.phase)).toEqual(['teardown']);
    await engine.stop();
    expect(outside.observed).toBe(false);
    expect(escaped).toEqual([]);
  });

  it('lets engine.stop() stop every other policy and executor after it', async () => {
    const { engine, web, knowledge } = await engineFixture();
    engine.attach(web, tearsBadly, {}, { id: 'bad' });
    engine.attach(web, followLoad, {}, { id: 'follower' });
    engine.start();
    await expect(engine.stop()).resolves.toBeUndefined();
    expect(engine.policy('follower').state).toBe('stopped');
    expect(engine.policy('bad').state).toBe('stopped');
    expect(outside.observed).toBe(false);
    // the follower hears no more readings: nothing is decided after the stop
    web.sensor<number>('load').publish(3);
    await knowledge.flush();
    expect(await knowledge.queryDecisions({ policy: 'follower' })).toEqual([]);
    expect((await knowledge.queryFaults({ policy: 'bad' })).map((f) => f.phase)).toEqual(['teardown']);
    expect(escaped).toEqual([]);
  });
});
