import { interval, merge, type Subscription } from 'rxjs';
import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import type { Entity } from '../../core/entity.js';
import { defineSensor, numberSensor } from '../../sensors/define-sensor.js';
import type { DriverContext, EntityType } from '../entity-type.js';
import { AddressFile } from './address-file.js';
import { HeldPrimary } from './held-primary.js';
import { switchoverEffector } from './switchover.js';

const groupConfig = z.strictObject({
  /** File that always holds the writable primary's `host:port` (empty line when there is none), for clients and proxies to follow. */
  addressFile: z.string().min(1).optional(),
  /**
   * Repoint replicas that follow another server to the primary (through their `demote`). Default true; never
   * while a member says Patroni manages it (`patroni`): the replicas' source is Patroni's to set, and a
   * repoint (ALTER SYSTEM) would outlast Patroni's own setting at its next failover; nor while Redis Sentinels
   * watch a member (`sentinels`): they reconfigure the replicas at their failover, and a repoint beside them
   * races theirs.
   */
  repoint: z.boolean().default(true),
  /** How often the group re-checks its members besides on their readings. Default 1 s. */
  every: durationSchema.default(1_000),
  /**
   * How long a primary that stops answering keeps being published (`primary`, `primary.address`, the address
   * file) before it is judged failed, unless it is fenced, demoted or replaced first: set it to the failover
   * policy's `failureDelay`, so clients keep following it through slow polls until the failover takes over.
   * Default 10 s (the policy's default).
   */
  failureDelay: durationSchema.default(10_000),
});

type GroupConfig = z.output<typeof groupConfig>;

const GROUP_SENSORS = [
  defineSensor({ name: 'primary', schema: z.string(), description: 'id of the primary: the writable one, or one that stopped answering until it is judged failed (failureDelay) or fenced; empty when there is none' }),
  defineSensor({ name: 'primary.address', schema: z.string(), description: "host:port of the primary (what clients should connect to), kept through failed polls until it is judged failed or fenced; empty when there is none" }),
  defineSensor({ name: 'primary.writable', schema: z.boolean(), description: 'whether the group has a primary that is up and not fenced now' }),
  numberSensor('primaries.writable', { description: 'members that report themselves primary and are up: more than 1 is a split brain' }),
];

function databases(group: Entity): Entity[] {
  return group.children.filter((c) => c.hasSensor('role'));
}

/**
 * Whether a member says another failover system manages the group: Patroni (sessions of its daemon on it,
 * `patroni`) or Redis Sentinels (watching it, `sentinels`). Each reconfigures the replicas itself at its
 * failover; a repoint beside it races its own.
 */
function managedElsewhere(members: readonly Entity[]): boolean {
  return members.some((db) => ['patroni', 'sentinels'].some((sensor) => db.hasSensor(sensor) && (db.sensor<number>(sensor).value ?? 0) > 0));
}

function writable(db: Entity): boolean {
  return db.sensor<string>('role').current?.value === 'primary' && db.sensor<boolean>('service.up').value === true;
}

function watch(entity: Entity, config: GroupConfig, context: DriverContext): () => void {
  const file = config.addressFile === undefined ? undefined : new AddressFile(config.addressFile);
  const repointing = new Set<string>();
  const held = new HeldPrimary(config.failureDelay);
  let recheck: Subscription | undefined;
  const publishIfChanged = (name: string, value: unknown): void => {
    if (entity.sensor(name).current?.value !== value) entity.sensor(name).publish(value);
  };
  const evaluate = (): void => {
    const members = databases(entity);
    const primaries = members.filter(writable);
    // two writable primaries: publish none, so nothing follows either until one is fenced
    const { primary, judgedFailedAt } = held.next(primaries, members, context.scheduler.now());
    recheck?.unsubscribe();
    recheck = judgedFailedAt === undefined ? undefined : context.scheduler.schedule(evaluate, Math.max(0, judgedFailedAt - context.scheduler.now()));
    const address = primary?.hasSensor('address') ? (primary.sensor<string>('address').value ?? '') : '';
    const isWritable = primaries.length === 1;
    publishIfChanged('primary', primary?.id ?? '');
    publishIfChanged('primary.address', address);
    publishIfChanged('primary.writable', isWritable);
    publishIfChanged('primaries.writable', primaries.length);
    entity.setUp(isWritable);
    void file?.write(address, () => undefined);
    if (!config.repoint || !isWritable || !primary || !address || managedElsewhere(members)) return;
    for (const db of databases(entity)) {
      const source = db.hasSensor('replication.source') ? db.sensor<string>('replication.source').value : address;
      const lost = db.sensor<string>('role').current?.value === 'replica' && db.sensor<boolean>('service.up').value === true && source !== address;
      if (!lost || repointing.has(db.id) || !db.hasEffector('demote')) continue;
      repointing.add(db.id);
      context.invoke(db, 'demote', {}, `${entity.id}/repoint`).catch(() => undefined).finally(() => repointing.delete(db.id));
    }
  };
  // members of other types (a sim.database) may lack some of these sensors
  const readings = databases(entity).flatMap((db) => ['role', 'service.up', 'replication.source'].filter((s) => db.hasSensor(s)).map((s) => db.sensor(s).readings$));
  const subscription = merge(...readings, interval(config.every, context.scheduler)).subscribe(evaluate);
  evaluate();
  return () => {
    subscription.unsubscribe();
    recheck?.unsubscribe();
  };
}

/**
 * A primary-replica group type over real databases (its children): publishes the primary's id and address
 * (and writes the address to `addressFile` when set), kept through failed polls until the primary is judged
 * failed (`failureDelay`) or fenced, counts writable primaries, is up while it has exactly one writable, and repoints replicas left following a dead or fenced server to the new primary (not
 * while Patroni manages the members or Sentinels watch them). Offers
 * `switchover` (planned: fence, catch up, promote, the old primary back as a replica).
 */
export function replicationGroupType(name: string, memberType: string): EntityType<GroupConfig> {
  return {
    name,
    description: `a primary-replica group of ${memberType} children: the primary's address as a sensor and a file, replicas repointed after a failover`,
    config: groupConfig,
    sensors: GROUP_SENSORS,
    memberTypes: [memberType],
    effectors: ['switchover'],
    start: (entity, config, context) => {
      entity.addEffector(switchoverEffector(entity, () => databases(entity), context));
      entity.setState('running');
      return watch(entity, config, context);
    },
  };
}
