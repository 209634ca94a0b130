import type { Deployment } from '../blueprint/deployment.js';
import type { Entity } from '../core/entity.js';
import { HomeostatError, TerminalEffectorError, describeError } from '../core/errors.js';
import type { FaultEvent } from './fault-schedule.js';
import { memberToCome } from './late-faults.js';
import type { SimulationHost } from './simulation-host.js';

/** A fault flag that names something the tree does not have. */
export class UnknownFaultTargetError extends HomeostatError {
  constructor(flag: string, message: string) {
    super('E_FAULT', `${flag}: ${message}`);
  }
}

/**
 * Checks every event against the started tree before the run, so a typo fails at once with what exists. A
 * `fail` or `recover` may name a member a cluster starts later (`web-7` of `web`, see `LateFaults`).
 * @throws UnknownFaultTargetError
 */
export function checkFaultTargets(deployment: Deployment, events: readonly FaultEvent[]): void {
  const known = (): string => [...deployment.tree.entities()].map((e) => e.id).join(', ');
  for (const event of events) {
    const entity = deployment.tree.find(event.entity);
    const where = `${event.kind === 'fail' ? '--fail' : `--${event.kind}`} ${event.entity}@${event.at}`;
    if (!entity && (event.kind === 'fail' || event.kind === 'recover') && memberToCome(deployment.tree, event.entity)) continue; // waits for it
    if (!entity) throw new UnknownFaultTargetError(where, `no entity '${event.entity}' in the tree (known: ${known()})`);
    if (event.kind === 'lag' && !entity.hasSensor('replication.lag')) throw new UnknownFaultTargetError(where, `'${event.entity}' has no replication.lag sensor`);
    if (event.kind === 'fence-fails' && !entity.hasEffector('fence')) throw new UnknownFaultTargetError(where, `'${event.entity}' has no fence effector`);
    if ((event.kind === 'partition' || event.kind === 'heal') && !entity.hasSensor('role')) {
      throw new UnknownFaultTargetError(where, `'${event.entity}' is not a database (no role sensor): partitions are simulated for databases, which keep taking their clients' writes while cut off`);
    }
    if (event.kind === 'invoke' && !entity.hasEffector(event.effector)) throw new UnknownFaultTargetError(where, `'${event.entity}' has no effector '${event.effector}'`);
  }
}

/** How a person's operation (`invoke`) ended: when (s) and, when it failed, why. */
export interface InvokeEnd {
  readonly outcome: 'succeeded' | 'failed';
  readonly endedAt: number;
  readonly error?: string;
}

/**
 * Applies one event to a running deployment, now. For an `invoke`, returns how it ends (it may be held by
 * the arbiter and run later), so that the report says what became of it.
 */
export function injectFault(deployment: Deployment, host: SimulationHost, event: FaultEvent): Promise<InvokeEnd> | undefined {
  const entity = deployment.tree.find(event.entity);
  if (!entity) return undefined; // retired since the run started: nothing left to break
  switch (event.kind) {
    case 'fail':
      host.fail(entity.id);
      for (const e of entity.subtree()) if (e.children.length === 0 || e === entity) e.setUp(false);
      return;
    case 'recover':
      host.recover(entity.id);
      return;
    case 'partition':
      // the database keeps running: homeostat notices at its next poll, which fails (see sim.database)
      host.partition(entity.id);
      return;
    case 'heal':
      host.heal(entity.id);
      return;
    case 'lag':
      holdLag(entity, host, event.seconds);
      return;
    case 'fence-fails':
      breakFence(entity, host);
      return;
    case 'invoke': {
      // a person's operation: held by the arbiter like the API's
      const endedAt = (): number => deployment.engine.scheduler.now() / 1000;
      return deployment.engine.invokeHeld(entity, event.effector, event.params, { caller: { kind: 'person', name: 'simulate' } }).then(
        (): InvokeEnd => ({ outcome: 'succeeded', endedAt: endedAt() }),
        (error: unknown): InvokeEnd => ({ outcome: 'failed', endedAt: endedAt(), error: describeError(error) }),
      );
    }
  }
}

/** The replica reports the injected lag: now when it is up, and in place of each lag its driver reports. */
function holdLag(entity: Entity, host: SimulationHost, seconds: number): void {
  const first = host.replicationLag(entity.id) === undefined;
  host.setReplicationLag(entity.id, seconds);
  const sensor = entity.sensor<number>('replication.lag');
  if (first) {
    sensor.readings$.subscribe((reading) => {
      const lag = host.replicationLag(entity.id);
      if (lag !== undefined && reading.value !== lag && entity.sensor<string>('role').current?.value !== 'primary') sensor.publish(lag);
    });
  }
  if (entity.sensor<boolean>('service.up').value === true && entity.sensor<string>('role').current?.value !== 'primary') sensor.publish(seconds);
}

/** Fencing the entity fails from now on: its fence effector is wrapped so that it throws. */
function breakFence(entity: Entity, host: SimulationHost): void {
  if (host.fenceFails(entity.id)) return;
  host.breakFence(entity.id);
  const fence = entity.effector('fence');
  entity.addEffector({
    ...fence,
    retry: { maxAttempts: 1 },
    run: (params, context) => {
      if (host.fenceFails(entity.id)) throw new TerminalEffectorError(`fencing ${entity.id} failed: the node does not answer`, { code: 'E_FENCE_FAILED' });
      return fence.run(params, context);
    },
  });
}
