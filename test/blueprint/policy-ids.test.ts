import { describe, expect, it } from 'vitest';
import { clusterBlueprint, problemsOf } from './problems-of.js';

describe('duplicate policy ids', () => {
  it('refuses the same built-in twice on one entity without ids, pointing at the second', async () => {
    const found = await problemsOf(clusterBlueprint('- use: replacer\n- use: replacer'));
    expect(found).toEqual(["12:11: duplicate policy id 'web/replacer': the policy at line 11 has it too (give one of them an 'id' of its own)"]);
  });

  it('accepts the same built-in twice when each has its own id', async () => {
    expect(await problemsOf(clusterBlueprint('- { use: replacer, id: r1 }\n- { use: replacer, id: r2 }'))).toEqual([]);
  });

  it('refuses an id written twice, across entities too', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: api
      type: cluster
      memberSpec: { type: sim.server }
      policies: [{ use: replacer, id: guard }]
    - id: web
      type: cluster
      memberSpec: { type: sim.server }
      policies:
        - { use: replacer, id: guard }
`);
    expect(found).toEqual([expect.stringMatching(/^14:32: duplicate policy id 'guard': the policy at line 9 has it too/)]);
  });

  it('refuses an explicit id equal to a default one', async () => {
    const found = await problemsOf(clusterBlueprint('- use: replacer\n- { use: replacer, id: web/replacer }'));
    expect(found).toEqual([expect.stringContaining("duplicate policy id 'web/replacer'")]);
  });

  it('compares a memberSpec template with itself only (its ids are per member)', async () => {
    const spec = (policies: string) => `name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      policies: [{ use: replacer }]
      memberSpec:
        type: sim.server
        policies: [${policies}]
`;
    expect(await problemsOf(spec('{ use: restarter }, { use: restarter, id: second }'))).toEqual([]);
    expect(await problemsOf(spec('{ use: restarter }, { use: restarter }'))).toEqual([expect.stringContaining("duplicate policy id 'restarter'")]);
  });
});
