import { describe, expect, it } from 'vitest';
import { clusterBlueprint, problemsOf } from './problems-of.js';

describe('effectors a policy invokes must exist on their target', () => {
  it('refuses a restarter on an entity with no restart, at the policy', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: box
      policies:
        - use: restarter
`);
    expect(found).toEqual(["8:11: policy 'restarter' invokes effector 'restart' on 'box', which does not have it (it has: escalate, setFloor)"]);
  });

  it('accepts a restarter whose restartEffector names one the entity has', async () => {
    expect(await problemsOf(clusterBlueprint('- use: restarter\n  config: { restartEffector: rollingRestart }'))).toEqual([]);
  });

  it('refuses a misspelled resizeEffector and restartEffector at the setting', async () => {
    const found = await problemsOf(clusterBlueprint('- use: autoscaler\n  config: { metric: group.size, target: 2, max: 4, resizeEffector: resise }\n- use: restarter\n  config: { restartEffector: reboot }'));
    expect(found).toEqual([
      "12:76: policy 'autoscaler' invokes effector 'resise' on 'web', which does not have it (it has: blueGreen, canary, escalate, replaceMember, resize, rollingRestart, rollingUpdate, setFloor)",
      expect.stringMatching(/^14:38: policy 'restarter' invokes effector 'reboot' on 'web'/),
    ]);
  });

  it('checks restarters on a memberSpec against the member type', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      memberSpec:
        type: entity
        policies: [{ use: restarter }]
`);
    expect(found).toEqual([expect.stringMatching(/^10:20: policy 'restarter' invokes effector 'restart' on the member spec \(type entity\)/)]);
  });

  it('refuses runbook steps and compensations whose entity lacks the effector', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - { id: site-a, type: group }
    - { id: traffic, type: sim.traffic, config: { site: site-a } }
    - id: db
      type: sim.database
  policies:
    - use: disaster-recovery
      config:
        site: site-a
        runbook:
          - { id: route, entity: traffic, effector: route, params: { site: b } }
          - { id: up, entity: db, effector: promot, compensate: { entity: traffic, effector: unroute } }
`);
    expect(found).toEqual([
      expect.stringMatching(/^16:45: policy 'disaster-recovery' invokes effector 'promot' on 'db', which does not have it \(it has: demote, escalate, fence, promote, restart, setFloor\)/),
      expect.stringMatching(/^16:94: policy 'disaster-recovery' invokes effector 'unroute' on 'traffic'/),
    ]);
  });

  it('refuses a runbook check on a sensor its entity does not have', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - { id: site-a, type: group }
    - id: db
      type: sim.database
  policies:
    - use: disaster-recovery
      config:
        site: site-a
        runbook:
          - { id: up, entity: db, effector: restart, check: { entity: db, sensor: rol, value: primary, within: 30s } }
`);
    expect(found).toEqual([expect.stringMatching(/^14:71: a guard of policy 'disaster-recovery' reads sensor 'rol', which 'db' does not have/)]);
  });

  it('refuses a failover over databases that cannot be fenced or promoted', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: db
      type: group
      children:
        - { id: db-1, sensors: [{ name: role, type: string }] }
        - { id: note, type: entity }
      policies: [{ use: failover }]
`);
    expect(found).toEqual([
      expect.stringContaining("policy 'failover' invokes effector 'fence' on 'db-1'"),
      expect.stringContaining("policy 'failover' invokes effector 'promote' on 'db-1'"),
    ]);
  });
});
