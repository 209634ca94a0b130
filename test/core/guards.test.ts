import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { evaluateGuard, firstFailingGuard } from '../../src/core/guards.js';
import { booleanSensor } from '../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

describe('guards', () => {
  const setup = () => {
    const clock = new VirtualClock();
    const tree = new EntityTree(clock);
    const app = tree.add({ id: 'app', type: 'application', sensors: [booleanSensor('tier.healthy', { staleAfterMs: 30_000 })] });
    return { clock, tree, app };
  };
  const guard = { entity: 'app', sensor: 'tier.healthy', op: 'eq', value: true } as const;

  it('hold on a fresh reading that satisfies them, and say what they read', () => {
    const { tree, app } = setup();
    app.sensor('tier.healthy').publish(true);
    expect(evaluateGuard(tree, guard)).toEqual({ holds: true, known: true, description: 'app.tier.healthy eq true (is true)' });
    app.sensor('tier.healthy').publish(false);
    expect(firstFailingGuard(tree, [guard])).toMatchObject({ holds: false, known: true });
  });

  it('never hold on missing or stale data, nor on an unknown entity or sensor; a trigger is not cleared by it', async () => {
    const { clock, tree, app } = setup();
    expect(evaluateGuard(tree, guard)).toMatchObject({ holds: false, known: false, description: 'app.tier.healthy eq true: no fresh reading' });
    app.sensor('tier.healthy').publish(true);
    await clock.advanceBy(31_000);
    expect(evaluateGuard(tree, guard)).toMatchObject({ holds: false, known: false });
    expect(firstFailingGuard(tree, [guard], { unknownHolds: true })).toBeUndefined();
    expect(evaluateGuard(tree, { ...guard, entity: 'ghost' }).description).toBe("ghost.tier.healthy eq true: no entity 'ghost'");
    expect(evaluateGuard(tree, { ...guard, sensor: 'nope' })).toMatchObject({ holds: false, known: false });
  });
});
