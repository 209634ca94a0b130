// The engine hands each decision to its policy's `observe` hook, read at each decision: these check the hook
// sees every decision it should, whichever policies come and go, including a hook given after attach (to a
// definition not frozen, or through an accessor of a frozen one).
import { describe, expect, it } from 'vitest';
import { map } from 'rxjs';
import { z } from 'zod';
import type { Decision } from '../../../src/knowledge/decision.js';
import { definePolicy, type AnyPolicyDefinition } from '../../../src/policies/define-policy.js';
import { engineFixture } from './fixture.js';

/** A policy planning nothing at every `load` reading; `observe` when given. */
function policy(name: string, observe?: (decision: Decision) => void) {
  return definePolicy({
    name,
    config: z.object({}),
    monitor: ({ entity }) => entity.sensor<number>('load').readings$,
    analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o] }))),
    plan: () => ({ actions: [], reason: 'nothing to do' }),
    ...(observe ? { observe } : {}),
  });
}

/** A frozen definition whose observe hook is read through an accessor (switched on later). */
function switchable(name: string): { definition: AnyPolicyDefinition; set: (hook: ((d: Decision) => void) | undefined) => void } {
  let hook: ((d: Decision) => void) | undefined;
  const definition = Object.freeze(Object.defineProperty({ ...(policy(name) as AnyPolicyDefinition) }, 'observe', { get: () => hook, enumerable: true })) as AnyPolicyDefinition;
  return { definition, set: (h) => void (hook = h) };
}

describe("a policy's observe hook", () => {
  it('sees the decisions of its own policy, beside a policy without a hook, and none once detached', async () => {
    const { clock, web, engine } = await engineFixture();
    const seen: string[] = [];
    const watching = policy('watching', (d) => void seen.push(`${d.policy} ${d.outcome}`));
    const quiet = policy('quiet');
    engine.attach(web, quiet, {});
    engine.start();
    web.sensor<number>('load').publish(1);
    await clock.settle();
    engine.attach(web, watching, {});
    web.sensor<number>('load').publish(2);
    await clock.settle();
    expect(seen).toEqual(['web/watching no_action']);
    engine.detach('web/watching');
    web.sensor<number>('load').publish(3);
    await clock.settle();
    expect(seen).toEqual(['web/watching no_action']);
    engine.attach(web, watching, {});
    web.sensor<number>('load').publish(4);
    await clock.settle();
    expect(seen).toEqual(['web/watching no_action', 'web/watching no_action']);
    await engine.stop();
  });

  it('is called when given to a definition that is not frozen after the policy was attached', async () => {
    const { clock, web, engine } = await engineFixture();
    const seen: string[] = [];
    // a copy of what definePolicy gives, not frozen
    const definition: { -readonly [K in keyof AnyPolicyDefinition]: AnyPolicyDefinition[K] } = { ...(policy('late') as AnyPolicyDefinition) };
    engine.attach(web, definition, {});
    engine.start();
    web.sensor<number>('load').publish(1);
    await clock.settle();
    definition.observe = (d) => void seen.push(d.outcome);
    web.sensor<number>('load').publish(2);
    await clock.settle();
    expect(seen).toEqual(['no_action']);
    await engine.stop();
  });
  it('calls a hook a frozen definition exposes through an accessor after it was attached', async () => {
    const { clock, web, engine } = await engineFixture();
    const seen: string[] = [];
    const { definition, set } = switchable('late-accessor');
    engine.attach(web, definition, {});
    engine.start();
    web.sensor<number>('load').publish(1);
    await clock.settle();
    set((d) => void seen.push(d.outcome));
    web.sensor<number>('load').publish(2);
    await clock.settle();
    expect(seen).toEqual(['no_action']);
    await engine.stop();
  });

  it("keeps calling one policy's hook after another policy, counted as not observing at attach, is detached", async () => {
    const { clock, web, engine } = await engineFixture();
    const seen: string[] = [];
    engine.attach(web, policy('watching', (d) => void seen.push(d.policy)), {});
    const { definition, set } = switchable('other');
    engine.attach(web, definition, {}); // frozen, no hook yet
    set(() => undefined); // it has one before its detach
    engine.detach('web/other');
    engine.start();
    web.sensor<number>('load').publish(1);
    await clock.settle();
    expect(seen).toEqual(['web/watching']);
    await engine.stop();
  });
});
