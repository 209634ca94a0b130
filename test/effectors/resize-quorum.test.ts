import { describe, expect, it } from 'vitest';
import { scenario } from '../scenarios/helpers.js';

/** A cluster of `size` sim servers whose health follows `quorum` over its members. */
const blueprint = (size: number, quorum: string, extra = ''): string => `
name: resize-quorum
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: ${size} }
      quorum: { from: members, ${quorum} }
      memberSpec: { type: sim.server, config: { bootTime: 5s } }
${extra}`;

const person = { caller: { kind: 'person' as const, name: 'ops' } };

type Scenario = Awaited<ReturnType<typeof scenario>>;

const memberIds = (s: Scenario): string[] => s.tree.get('web').members.map((m) => m.id);
const webUp = (s: Scenario): unknown => s.tree.get('web').sensor('service.up').value;
const resize = (s: Scenario, params: Record<string, unknown>) => s.deployment.engine.invoker.invoke(s.tree.get('web'), 'resize', params, person);

describe('resize keeps the group its quorum', () => {
  it('retires the member that is down before the healthy ones: atLeast 2 of 3 with web-1 down, resized to 2, keeps 2 up', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.fail('web-1');
    await expect(resize(s, { size: 2 })).resolves.toEqual({ size: 2, retired: ['web-1'] });
    expect(memberIds(s)).toEqual(['web-2', 'web-3']);
    expect(webUp(s)).toBe(true);
  });

  it('retires the newest first among members that are all up', async () => {
    const s = await scenario(blueprint(4, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    await expect(resize(s, { size: 2 })).resolves.toEqual({ size: 2, retired: ['web-4', 'web-3'] });
    expect(memberIds(s)).toEqual(['web-1', 'web-2']);
  });

  it('refuses a scale-in that would leave the group below its rule, saying why and how, and retires nothing', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    await expect(resize(s, { size: 1 })).rejects.toMatchObject({
      code: 'E_QUORUM_RESIZE',
      message: 'web.resize: resize of web to 1 refused: retiring web-3, web-2 would leave web below its quorum rule (1 of 1 up (need at least 2)); pass allowQuorumLoss: true to resize it anyway',
    });
    await s.clock.advanceBy(1_000);
    expect(memberIds(s)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(webUp(s)).toBe(true);
  });

  it('counts the members already down: atLeast 2 of 4 with web-1 and web-2 down, a resize to 1 that would leave 1 up is refused', async () => {
    const s = await scenario(blueprint(4, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.fail('web-1');
    s.fail('web-2');
    await expect(resize(s, { size: 3 })).resolves.toEqual({ size: 3, retired: ['web-2'] });
    await expect(resize(s, { size: 1 })).rejects.toThrow('resize of web to 1 refused: retiring web-1, web-4 would leave web below its quorum rule (1 of 1 up (need at least 2)); pass allowQuorumLoss: true to resize it anyway');
    expect(memberIds(s)).toEqual(['web-1', 'web-3', 'web-4']);
  });

  it('allowQuorumLoss: true resizes anyway, down members first', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.fail('web-2');
    await expect(resize(s, { size: 1, allowQuorumLoss: true })).resolves.toEqual({ size: 1, retired: ['web-2', 'web-3'] });
    expect(memberIds(s)).toEqual(['web-1']);
    expect(webUp(s)).toBe(false);
  });

  it('never refuses a scale-out, even from a group below its rule', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.fail('web-1');
    s.fail('web-2');
    await expect(resize(s, { size: 5 })).resolves.toEqual({ size: 5, retired: [] });
    await s.clock.advanceBy(6_000);
    expect(webUp(s)).toBe(true);
  });

  it('never refuses a scale-out (nor a resize to its size) of a group left with fewer members than its rule counts', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    await expect(resize(s, { size: 1, allowQuorumLoss: true })).resolves.toEqual({ size: 1, retired: ['web-3', 'web-2'] });
    await expect(resize(s, { size: 1 })).resolves.toEqual({ size: 1, retired: [] });
    await expect(resize(s, { size: 3 })).resolves.toEqual({ size: 3, retired: [] });
    await s.clock.advanceBy(6_000);
    expect(webUp(s)).toBe(true);
  });

  it('is not refused when it retires only members that are down (the group had lost its quorum already)', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    await s.clock.advanceBy(6_000);
    s.fail('web-1');
    s.fail('web-3');
    await expect(resize(s, { size: 2 })).resolves.toEqual({ size: 2, retired: ['web-3'] });
  });

  it('refuses a scale-in of members still booting that leaves fewer members than the rule can ever count up', async () => {
    const s = await scenario(blueprint(3, 'rule: atLeast, n: 2'));
    // no member is up yet (5 s to boot): retiring two takes nobody up, but one member can never make 2 up
    await expect(resize(s, { size: 1 })).rejects.toThrow('resize of web to 1 refused: retiring web-3, web-2 would leave web below its quorum rule (1 member left, too few even when all are up: 1 of 1 up (need at least 2)); pass allowQuorumLoss: true to resize it anyway');
    await expect(resize(s, { size: 2 })).resolves.toEqual({ size: 2, retired: ['web-3'] });
    await s.clock.advanceBy(6_000);
    expect(webUp(s)).toBe(true);
  });

  it('a resize to 0 empties the group on purpose (a scale to zero) and is not refused', async () => {
    const s = await scenario(blueprint(2, 'rule: atLeastOne'));
    await s.clock.advanceBy(6_000);
    await expect(resize(s, { size: 0 })).resolves.toEqual({ size: 0, retired: ['web-2', 'web-1'] });
  });
});
