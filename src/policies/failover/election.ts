import type { Entity } from '../../core/entity.js';

/** Where a failover policy finds its databases, and the replication lag it accepts. */
export interface ElectionSettings {
  readonly from: 'children' | 'members';
  readonly maxLag: number;
}

/** One replica that may be promoted. */
export interface Candidate {
  readonly id: string;
  readonly lag: number;
  readonly weight: number;
}

/** The group's databases: children or members with a `role` sensor. */
export function databases(group: Entity, settings: Pick<ElectionSettings, 'from'>): Entity[] {
  return [...(settings.from === 'children' ? group.children : group.members)].filter((e) => e.hasSensor('role'));
}

/** The role a database reports, undefined when it reported none. */
export function roleOf(db: Entity): string | undefined {
  return db.sensor<string>('role').current?.value;
}

/** Eligible replicas, best first: up, caught up within maxLag, higher weight, then less lag. */
export function electionCandidates(group: Entity, settings: ElectionSettings): Candidate[] {
  return databases(group, settings)
    .filter((db) => roleOf(db) === 'replica' && db.sensor<boolean>('service.up').value === true)
    .map((db) => ({ id: db.id, lag: db.sensor<number>('replication.lag').value, weight: typeof db.config['weight'] === 'number' ? db.config['weight'] : 1 }))
    .filter((c): c is Candidate => c.lag !== undefined && c.lag <= settings.maxLag)
    .sort((a, b) => b.weight - a.weight || a.lag - b.lag);
}

/** Replicas passed over, each with why: down, lag unknown, or lag over the bound. */
export function ineligible(group: Entity, settings: ElectionSettings, old: string | undefined): string[] {
  return databases(group, settings)
    .filter((db) => db.id !== old && roleOf(db) === 'replica')
    .flatMap((db) => {
      if (db.sensor<boolean>('service.up').value !== true) return [`${db.id} (down)`];
      const lag = db.sensor<number>('replication.lag').value;
      if (lag === undefined) return [`${db.id} (lag unknown)`];
      return lag > settings.maxLag ? [`${db.id} (lag ${lag.toFixed(1)} s > ${settings.maxLag} s)`] : [];
    });
}
