import { describe, expect, it } from 'vitest';
import { scenario } from '../scenarios/helpers.js';

/** A cluster of `size` sim servers whose health follows `quorum` over its members. */
const blueprint = (size: number, quorum: string): string => `
name: restart-quorum
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: ${size} }
      quorum: { from: members, ${quorum} }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
`;

const person = { caller: { kind: 'person' as const, name: 'ops' } };

/** Runs `seconds` of virtual time one second at a time, and returns the fewest members up seen. */
async function fewestUpOver(s: Awaited<ReturnType<typeof scenario>>, seconds: number): Promise<number> {
  let fewest = Infinity;
  for (let t = 0; t < seconds; t++) {
    await s.clock.advanceBy(1_000);
    fewest = Math.min(fewest, s.tree.get('web').members.filter((m) => m.sensor('service.up').value === true).length);
  }
  return fewest;
}

describe('rollingRestart keeps the group its quorum', () => {
  it('takes only as many members down at once as the quorum spares (atLeast 2 of 3, maxUnavailable 2)', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    const roll = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingRestart', { maxUnavailable: 2 }, person);
    const fewest = await fewestUpOver(s, 30);
    await expect(roll).resolves.toEqual({ batches: [['web-1'], ['web-2'], ['web-3']] });
    expect(fewest).toBe(2);
  });

  it('refuses a group whose rule needs every member up, saying why and how to allow it; allowQuorumLoss restarts it', async () => {
    const s = await scenario(blueprint(3, 'rule: all'));
    await s.clock.advanceBy(6_000);
    const refused = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingRestart', {}, person);
    refused.catch(() => undefined);
    const fewest = await fewestUpOver(s, 5);
    await expect(refused).rejects.toThrow('rollingRestart of web refused: taking any member of web down would cost web its quorum even with every member up (2 of 3 up (need all)); pass allowQuorumLoss: true to restart it anyway');
    expect(fewest).toBe(3);
    const allowed = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingRestart', { allowQuorumLoss: true }, person);
    await s.clock.advanceBy(20_000);
    await expect(allowed).resolves.toEqual({ batches: [['web-1'], ['web-2'], ['web-3']] });
  });

  it('with a member down and no spare left, restarts the member down first and then the others one by one', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.tree.get('web-3').setUp(false); // crashed, not a lasting fault: a restart brings it back
    const roll = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingRestart', { maxUnavailable: 2 }, person);
    const fewest = await fewestUpOver(s, 30);
    await expect(roll).resolves.toEqual({ batches: [['web-3'], ['web-1'], ['web-2']] });
    expect(fewest).toBe(2);
  });

  it('fails saying which member down leaves no room when it stays down', async () => {
    const s = await scenario(blueprint(4, 'rule: atLeast, n: 3'));
    await s.clock.advanceBy(6_000);
    s.fail('web-4');
    const roll = s.deployment.engine.invoker.invoke(s.tree.get('web'), 'rollingRestart', { maxUnavailable: 2, healthTimeout: 10_000 }, person);
    roll.catch(() => undefined);
    const fewest = await fewestUpOver(s, 60);
    await expect(roll).rejects.toThrow(/batch 1 failed its health gate/);
    expect(fewest).toBe(3);
  });
});
