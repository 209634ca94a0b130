import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { fixtures, problemsOf } from './problems-of.js';

const withSidecar = `name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec:
        type: sim.server
        children: [{ id: sidecar }]
`;

describe('memberSpec templates', () => {
  it('a child with a fixed id in a memberSpec breaks the second member (what validate prevents)', async () => {
    // built without validation's new check: the second member cannot be created
    const valid = await parseBlueprint(withSidecar.replace('        children: [{ id: sidecar }]\n', ''), path.join(fixtures, 'inline.yaml'));
    const spec = valid.root.children[0]?.memberSpec;
    if (!spec) throw new Error('no memberSpec');
    const sidecar = { ...spec, id: 'sidecar', children: [], memberSpec: undefined, path: [...spec.path, 'children', 0] };
    const broken = { ...valid, root: { ...valid.root, children: [{ ...valid.root.children[0], memberSpec: { ...spec, children: [sidecar] } }] } } as typeof valid;
    const deployment = await Deployment.create(broken, { scheduler: new VirtualClock() });
    deployment.start();
    await expect(deployment.engine.invoker.invoke(deployment.tree.get('web'), 'resize', { size: 2 }, { caller: { kind: 'person', name: 'test' } })).rejects.toThrow(/sidecar/);
    await deployment.stop();
  });

  it('refuses children, budgets and members in a memberSpec', async () => {
    expect(await problemsOf(withSidecar)).toEqual([expect.stringMatching(/^11:26: a memberSpec cannot have children: their ids \('sidecar'\) are fixed/)]);
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - { id: db }
    - id: web
      type: cluster
      memberSpec:
        type: sim.server
        budget: { actions: 3, window: 1m }
        members: [db]
`);
    expect(found).toEqual([
      expect.stringMatching(/^11:17: a budget on a memberSpec is never applied: give it to 'web' instead/),
      expect.stringMatching(/^12:18: a memberSpec cannot list members/),
    ]);
  });
});
