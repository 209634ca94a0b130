import type { Finding } from '../../sensors/feeds/scan/finding.js';
import { exposuresOf, severityRank, type PackageExposure } from '../../planners/exposure.js';
import type { EntityInventory } from '../../planners/inventory.js';
import type { RemediationConfig } from './config.js';
import type { BatchProgress, RemediationProgress, SurgeProgress } from './progress.js';
import type { Surge } from './view.js';

/** Why a package is still exposed. */
export type ExposureReason =
  | 'planned'
  | 'in_progress'
  | 'no_fix'
  | 'unknown_version'
  | 'below_min_severity'
  | 'no_fix_effector'
  | 'window_closed'
  | 'frozen'
  | 'waiting_for_dependency'
  | 'quorum'
  | 'down'
  | 'batch_full'
  | 'health_gate_failed'
  | 'verification_failed';

/** One exposed package of one entity, with why it is still exposed. */
export interface Exposed extends PackageExposure {
  readonly reason: ExposureReason;
  readonly detail: string;
}

/** What the policy reads of the tree, as values and small questions, so that the assessment is a pure function. */
export interface RemediationView {
  readonly now: number;
  readonly findings: readonly Finding[];
  /** When the findings were read: a newer report tries failed fixes again. */
  readonly findingsAt: number;
  readonly inventories: readonly EntityInventory[];
  readonly progress: RemediationProgress;
  readonly config: RemediationConfig;
  /** Undefined when changes may start; else why not (`window_closed` or `frozen`) and the words. */
  readonly gate?: { readonly reason: 'window_closed' | 'frozen'; readonly detail: string };
  readonly hasFixEffector: (entity: string) => boolean;
  readonly isUp: (entity: string) => boolean | undefined;
  /** The group whose quorum would be lost with these entities down, described; undefined when none. */
  readonly quorumLoss: (entities: readonly string[]) => string | undefined;
  /** True when `entity` is `ancestor` or inside it. */
  readonly within: (entity: string, ancestor: string) => boolean;
  /** The spareless group to grow by one member before `entity` is updated (see `surgeFor`); undefined: none can. */
  readonly surgeFor?: (entity: string) => Surge | undefined;
  /** A group's members (ids) and how many of them serve (not stopping or stopped). */
  readonly membersOf?: (group: string) => { readonly ids: readonly string[]; readonly serving: number };
}

/** A group resized by the policy itself: grown by one member first (`surge`), or back to its size after (`shrink`). */
export interface GroupResize {
  readonly group: string;
  readonly size: number;
  readonly why: 'surge' | 'shrink';
}

/** The assessment: what is exposed and why, the progress to keep, and the next batch to run if any. */
export interface Assessment {
  readonly exposed: readonly Exposed[];
  readonly progress: RemediationProgress;
  /** Entities fixed and verified by this assessment (the batch in flight settled). */
  readonly verified: readonly string[];
  /** Entities whose fix failed in this assessment. */
  readonly newlyFailed: readonly string[];
  readonly next?: Omit<BatchProgress, 'outcome' | 'decidedAt' | 'error'>;
  /** A group to resize before (surge) or after (shrink) its members are updated; never with `next`. */
  readonly resize?: GroupResize;
}

/**
 * Assesses findings against inventories: settles the batch in flight (verified when every entity's fresh
 * inventory shows no fixable exposure and it is up; failed when its decision failed or the inventory does
 * not show the fix within `verifyTimeout`), then, when nothing is in flight and the gate is open, picks the
 * next batch: entities whose dependencies carry no fixable exposure, in the order given, at most
 * `maxBatch`, never costing a group its quorum.
 */
export function assessRemediation(view: RemediationView, order: readonly string[]): Assessment {
  const { config, now } = view;
  const all = exposuresOf(view.findings, view.inventories);
  const inventoryAt = new Map(view.inventories.map((i) => [i.entity, i.at]));
  let { batch } = view.progress;
  const failed: Record<string, RemediationProgress['failed'][string]> = {};
  for (const [entity, fix] of Object.entries(view.progress.failed)) {
    // after retryAfter a failed entity is tried again (a report re-read unchanged is no reason to)
    if (now - fix.at < config.retryAfter) failed[entity] = fix;
  }
  const verified: string[] = [];
  const newlyFailed: string[] = [];
  if (batch?.outcome !== undefined) {
    const decidedAt = batch.decidedAt ?? batch.plannedAt;
    const open: string[] = [];
    for (const entity of Object.keys(batch.entities)) {
      if (batch.outcome === 'failed') {
        failed[entity] = { reason: 'health_gate_failed', at: now, detail: batch.error ?? 'the batch failed', reportAt: view.findingsAt, fixes: batch.entities[entity]?.to ?? {} };
        newlyFailed.push(entity);
        continue;
      }
      if (batch.outcome !== 'applied') continue; // not run (cooldown, budget, preempted, dry run...): planned again
      // a reading since the batch was planned counts: an inventory pushed when the update installed the fix
      // comes before the decision, which is recorded once the health gate passed (a reading that still shows
      // the affected version is no proof either way: the policy waits for a newer one)
      const fresh = (inventoryAt.get(entity) ?? -Infinity) >= batch.plannedAt;
      const stillFixable = all.some((e) => e.entity === entity && e.fixTo !== undefined && batch?.entities[entity]?.to[e.package] !== undefined);
      if (fresh && !stillFixable && view.isUp(entity) === true) verified.push(entity);
      else if (now - decidedAt >= config.verifyTimeout) {
        const why = !fresh ? `no inventory reading since the update (${config.verifyTimeout / 1000} s)` : stillFixable ? 'the inventory still shows an affected version' : 'it is not up';
        failed[entity] = { reason: 'verification_failed', at: now, detail: why, reportAt: view.findingsAt };
        newlyFailed.push(entity);
      } else open.push(entity);
    }
    if (open.length === 0) batch = undefined;
  }
  // a fix that failed its health gate is not tried on other entities until a new report or retryAfter
  const failedFix = new Map<string, string>();
  for (const [entity, fix] of Object.entries(failed)) for (const [pkg, version] of Object.entries(fix.fixes ?? {})) if (fix.reason === 'health_gate_failed') failedFix.set(`${pkg}@${version}`, entity);
  const minRank = severityRank(config.minSeverity);
  const candidates: PackageExposure[] = [];
  const exposed: Exposed[] = [];
  const say = (e: PackageExposure, reason: ExposureReason, detail: string): void => void exposed.push({ ...e, reason, detail });
  for (const e of all) {
    const fail = failed[e.entity];
    if (batch?.entities[e.entity]?.to[e.package] !== undefined) say(e, batch.outcome === undefined ? 'planned' : 'in_progress', batch.outcome === undefined ? `batch ${batch.id} is running` : `batch ${batch.id} is being verified`);
    else if (e.unknown !== undefined) say(e, 'unknown_version', e.unknown);
    else if (e.fixTo === undefined) say(e, 'no_fix', `no fixed version of ${e.package} is known for ${e.findings.join(', ')}`);
    else if (severityRank(e.severity) > minRank) say(e, 'below_min_severity', `${e.severity} is below minSeverity ${config.minSeverity}`);
    else if (fail) say(e, fail.reason, fail.detail);
    else if (failedFix.has(`${e.package}@${e.fixTo}`)) say(e, 'health_gate_failed', `the same fix (${e.package} ${e.fixTo}) failed its health gate on ${failedFix.get(`${e.package}@${e.fixTo}`) ?? ''}`);
    else if (!view.hasFixEffector(e.entity)) say(e, 'no_fix_effector', `${e.entity} has no '${config.fix.effector}' effector`);
    else candidates.push(e);
  }
  const surges = liveSurges(view, batch);
  const progress: RemediationProgress = { failed, batches: view.progress.batches, ...(batch ? { batch } : {}), ...(Object.keys(surges).length > 0 ? { surges } : {}) };
  // an entity whose inventory is not known yet may be exposed: its dependents wait for it too
  const pending = new Set([...all.filter((e) => e.fixTo !== undefined && e.unknown === undefined).map((e) => e.entity), ...view.inventories.filter((i) => i.packages === undefined).map((i) => i.entity)]);
  const unread = new Set(view.inventories.filter((i) => i.packages === undefined).map((i) => i.entity));
  const shrink = batch || view.gate ? undefined : surgeDone(view, surges, candidates, unread);
  if (shrink) {
    const { [shrink.group]: _done, ...rest } = surges;
    for (const e of candidates) say(e, 'batch_full', `waiting for ${shrink.group} to shrink back to ${shrink.size} members after its surge`);
    return { exposed, progress: { ...progress, surges: rest }, verified, newlyFailed, resize: shrink };
  }
  if (batch || view.gate || candidates.length === 0) {
    for (const e of candidates) {
      const blocker = dependencyBlocker(e.entity, config.dependsOn, pending, view.within);
      if (blocker !== undefined) say(e, 'waiting_for_dependency', `${e.entity} depends on ${blocker}, which is still exposed`);
      else if (view.gate) say(e, view.gate.reason, view.gate.detail);
      else say(e, 'batch_full', 'waiting for the batch in flight');
    }
    return { exposed, progress, verified, newlyFailed };
  }
  const byEntity = new Map<string, PackageExposure[]>();
  for (const e of candidates) byEntity.set(e.entity, [...(byEntity.get(e.entity) ?? []), e]);
  const chosen: string[] = [];
  let surge: Surge | undefined;
  const entities = [...byEntity.keys()].sort((a, b) => rank(order, a) - rank(order, b));
  for (const entity of entities) {
    const list = byEntity.get(entity) as PackageExposure[];
    const blocker = dependencyBlocker(entity, config.dependsOn, pending, view.within);
    const why: [ExposureReason, string] | undefined =
      blocker !== undefined ? ['waiting_for_dependency', `${entity} depends on ${blocker}, which is still exposed`]
      : view.isUp(entity) !== true ? ['down', `${entity} is not up: fixing it could not pass the health gate`]
      : chosen.length >= config.maxBatch ? ['batch_full', `the batch already has ${config.maxBatch} (maxBatch)`]
      : quorumWhy(view, [...chosen, entity]);
    if (why?.[0] === 'quorum' && chosen.length === 0 && config.surge) {
      const wanted = view.surgeFor?.(entity);
      const surging = wanted === undefined ? undefined : surges[wanted.group];
      if (wanted && surging) why[1] = `${why[1]}; waiting for the member added to ${wanted.group} (${surging.from} -> ${surging.size}) to come up`;
      else if (wanted && !surge) {
        surge = wanted;
        why[1] = `${why[1]}; ${wanted.group} has no spare member: it grows to ${wanted.size} first (surge)`;
      } else if (!wanted) why[1] = `${why[1]}; a surge cannot help (the rule needs every member, or the group cannot resize)`;
    }
    if (why) for (const e of list) say(e, why[0], why[1]);
    else {
      chosen.push(entity);
      for (const e of list) say(e, 'planned', `in batch ${view.progress.batches + 1}`);
    }
  }
  if (chosen.length === 0 && surge) {
    const from = view.membersOf?.(surge.group).serving ?? surge.size - 1;
    return { exposed, progress: { ...progress, surges: { ...surges, [surge.group]: { from, size: surge.size, at: now } } }, verified, newlyFailed, resize: { ...surge, why: 'surge' } };
  }
  if (chosen.length === 0) return { exposed, progress, verified, newlyFailed };
  const entitiesOfBatch: Record<string, { to: Record<string, string>; from: Record<string, string> }> = {};
  for (const entity of chosen) {
    const list = byEntity.get(entity) as PackageExposure[];
    entitiesOfBatch[entity] = { to: Object.fromEntries(list.map((e) => [e.package, e.fixTo as string])), from: Object.fromEntries(list.map((e) => [e.package, e.installed])) };
  }
  const next = { id: view.progress.batches + 1, plannedAt: now, entities: entitiesOfBatch };
  return { exposed, progress: { ...progress, batches: next.id, batch: next }, verified, newlyFailed, next };
}

/**
 * The surges still wanted: a surge whose group has not reached its size within the health timeout (the resize
 * was refused or failed) is forgotten, so it is planned again; one whose group left the tree is dropped.
 */
function liveSurges(view: RemediationView, batch: RemediationProgress['batch']): Record<string, SurgeProgress> {
  const live: Record<string, SurgeProgress> = {};
  for (const [group, surge] of Object.entries(view.progress.surges ?? {})) {
    const members = view.membersOf?.(group);
    if (!members) continue;
    const inBatch = batch !== undefined && Object.keys(batch.entities).some((e) => members.ids.includes(e));
    if (members.serving < surge.size && !inBatch && view.now - surge.at >= view.config.healthTimeout) continue;
    live[group] = surge;
  }
  return live;
}

/**
 * A surged group none of whose members is still to be fixed: shrink it back to its size. A member whose
 * inventory has not been read yet (the one the surge just started) may still be exposed: the group waits for it.
 */
function surgeDone(view: RemediationView, surges: Readonly<Record<string, SurgeProgress>>, candidates: readonly PackageExposure[], unread: ReadonlySet<string>): GroupResize | undefined {
  for (const [group, surge] of Object.entries(surges)) {
    const members = view.membersOf?.(group);
    if (!members || members.serving < surge.size) continue;
    if (candidates.some((c) => members.ids.includes(c.entity)) || members.ids.some((id) => unread.has(id))) continue;
    return { group, size: surge.from, why: 'shrink' };
  }
  return undefined;
}

function quorumWhy(view: RemediationView, entities: readonly string[]): [ExposureReason, string] | undefined {
  const loss = view.quorumLoss(entities);
  return loss === undefined ? undefined : ['quorum', `taking ${entities[entities.length - 1] ?? ''} down now would cost ${loss}`];
}

function rank(order: readonly string[], id: string): number {
  const i = order.indexOf(id);
  return i < 0 ? order.length : i;
}

/** A dependency of `entity` (declared, transitively) that has a fixable exposure in or below it. */
function dependencyBlocker(entity: string, dependsOn: Readonly<Record<string, readonly string[]>>, pending: ReadonlySet<string>, within: RemediationView['within']): string | undefined {
  const seen = new Set<string>();
  const stack = Object.entries(dependsOn).filter(([dependent]) => within(entity, dependent)).flatMap(([, deps]) => deps);
  while (stack.length > 0) {
    const dep = stack.pop() as string;
    if (seen.has(dep)) continue;
    seen.add(dep);
    if ([...pending].some((p) => within(p, dep))) return dep;
    stack.push(...(dependsOn[dep] ?? []));
  }
  return undefined;
}
