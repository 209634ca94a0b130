import { describe, expect, it } from 'vitest';
import { EntityTree } from '../../src/core/entity-tree.js';
import { FREEZE_SENSOR, ensureFreezeSwitch, firstFreeze, freezeOf, setFreeze } from '../../src/core/freeze.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function tree() {
  const clock = new VirtualClock();
  const t = new EntityTree(clock);
  const app = t.add({ id: 'app', type: 'application' });
  const site = t.add({ id: 'site', type: 'entity' }, app);
  const web = t.add({ id: 'web', type: 'entity' }, site);
  const other = t.add({ id: 'other', type: 'entity' }, app);
  return { clock, app, site, web, other };
}

describe('freeze switch', () => {
  it('a switch starts off; a freeze holds its entity and everything below it, not its siblings', async () => {
    const { clock, site, web, other } = tree();
    ensureFreezeSwitch(site);
    expect(site.sensor(FREEZE_SENSOR.name).value).toBe(false);
    expect(freezeOf(web)).toBeUndefined();
    await clock.advanceBy(5_000);
    setFreeze(site, true);
    expect(freezeOf(web)).toEqual({ entity: 'site', since: 5_000 });
    expect(freezeOf(site)).toEqual({ entity: 'site', since: 5_000 });
    expect(freezeOf(other)).toBeUndefined();
    expect(firstFreeze([other, web])).toEqual({ entity: 'site', since: 5_000 });
    setFreeze(site, false);
    expect(firstFreeze([other, web])).toBeUndefined();
  });

  it('never lapses: an hour later with no new reading it still holds', async () => {
    const { clock, app, web } = tree();
    setFreeze(app, true);
    await clock.advanceBy(3_600_000);
    expect(freezeOf(web)?.entity).toBe('app');
  });

  it('ensureFreezeSwitch keeps a freeze already set', () => {
    const { site } = tree();
    setFreeze(site, true);
    ensureFreezeSwitch(site);
    expect(freezeOf(site)?.entity).toBe('site');
  });
});
