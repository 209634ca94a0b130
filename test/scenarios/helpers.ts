import path from 'node:path';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { SimulationHost } from '../../src/sim/simulation-host.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { seededRandom } from '../../src/drivers/seeded-random.js';

const root = path.resolve(import.meta.dirname, '../..');

/** Deploys blueprint text in virtual time with a simulation host (for fault injection). */
export async function scenario(yaml: string) {
  const clock = new VirtualClock();
  const host = new SimulationHost();
  const blueprint = await parseBlueprint(yaml, path.join(root, 'test/scenarios/inline.yaml'));
  const deployment = await Deployment.create(blueprint, { scheduler: clock, simulation: host, random: seededRandom(1) });
  deployment.start();
  /** Injects a lasting fault: the entity's subtree goes down and stays down. */
  const fail = (id: string) => {
    host.fail(id);
    for (const e of deployment.tree.get(id).subtree()) if (e.children.length === 0 || e.id === id) e.setUp(false);
  };
  /** Clears the fault: drivers bring the entity back at their next health check. */
  const recover = (id: string) => host.recover(id);
  /** Decisions oldest first, as `<seconds> <policy> <outcome> <effector(entity), ...>`. */
  const decisions = async (filter: (d: { policy: string }) => boolean = () => true) =>
    (await deployment.knowledge.queryDecisions({ limit: 10_000 }))
      .filter(filter)
      .reverse()
      .map((d) => `${d.at / 1000} ${d.policy} ${d.outcome} ${d.actions.map((a) => `${a.effector}(${a.entity})`).join(',')}`.trim());
  return { clock, deployment, host, fail, recover, decisions, tree: deployment.tree };
}
