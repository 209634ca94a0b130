import { ensureFreezeSwitch } from '../core/freeze.js';
import { map, merge, timer } from 'rxjs';
import { z } from 'zod';
import type { Action } from '../knowledge/decision.js';
import { defineSensor, numberSensor } from '../sensors/define-sensor.js';
import { renderTemplate } from '../sensors/feeds/template.js';
import type { Observation } from '../sensors/reading.js';
import { definePolicy, type Plan, type Symptom } from './define-policy.js';
import { assessRemediation, type Assessment, type Exposed } from './remediation/assess.js';
import { remediationConfig, type RemediationConfig } from './remediation/config.js';
import { readProgress, writeProgress } from './remediation/progress.js';
import { changeGate, entitiesInScope, findingsOf, inventoriesOf, quorumLoss, surgeFor } from './remediation/view.js';

/** Sensor on the policy's entity: every package still exposed, with why (`no_fix`, `window_closed`, ...). */
export const EXPOSED_SENSOR = 'vulnerabilities.exposed';
/** Sensor on the policy's entity: how many packages are still exposed. */
export const EXPOSED_COUNT_SENSOR = 'vulnerabilities.exposed.count';

type RemediationSymptom = Symptom & { readonly detail: { readonly assessment?: Assessment; readonly why?: string } };

/**
 * Vulnerability remediation: reads scanner findings (a `json` sensor fed by a `scan-report` feed or the
 * API) and every entity's `inventory`, finds the affected entities with each ecosystem's version order,
 * and fixes them in batches (the fix effector, default `update` to the fixed version) in dependency order,
 * at most `maxBatch` at a time and never costing a group its quorum, inside the maintenance windows and
 * not while frozen. Each step must pass a health gate (`service.up` within `healthTimeout`), or the batch
 * is rolled back; a fix counts once the re-read inventory shows it. What stays exposed, and why, is the
 * `vulnerabilities.exposed` sensor and the reason of each decision not to act.
 */
export const remediation = definePolicy({
  name: 'remediation',
  description: 'fixes entities that run vulnerable package versions, in batches, in dependency order, and verifies',
  config: remediationConfig,
  requires: (config) => [{ on: 'self', sensor: config.findings, configPath: ['findings'] }],
  requiresEntities: (config) => [
    ...Object.entries(config.dependsOn).flatMap(([entity, deps]) => [{ entity, configPath: ['dependsOn', entity] }, ...deps.map((dep, i) => ({ entity: dep, configPath: ['dependsOn', entity, i] }))]),
    ...(config.freeze?.entity === undefined ? [] : [{ entity: config.freeze.entity, sensor: config.freeze.sensor, configPath: ['freeze', 'entity'] }]),
  ],
  monitor: ({ entity, config, scheduler }) => {
    entity.addSensor(defineSensor({ name: EXPOSED_SENSOR, schema: z.array(z.record(z.string(), z.unknown())), description: 'packages still exposed to findings, each with why' }));
    ensureFreezeSwitch(entity);
    entity.addSensor(numberSensor(EXPOSED_COUNT_SENSOR, { description: 'how many entity packages are still exposed' }));
    return merge(timer(0, config.evaluationInterval, scheduler), entity.sensor(config.findings).readings$).pipe(map(() => scheduler.now()));
  },
  analyze: (source, { entity, tree, config, scheduler, state }) => {
    return source.pipe(
      map((): RemediationSymptom => {
        const now = scheduler.now();
        const findings = findingsOf(entity, config.findings);
        const inputs = entity.sensor(config.findings).current ? [entity.sensor(config.findings).current as Observation] : [];
        if ('why' in findings) return { kind: 'no-findings', inputs, detail: { why: findings.why } };
        const scope = entitiesInScope(entity);
        const gate = changeGate(config, entity, tree, now);
        const assessment = assessRemediation(
          {
            now,
            findings: findings.findings,
            findingsAt: findings.at,
            inventories: inventoriesOf(scope, config.inventory),
            progress: readProgress(state),
            config,
            ...(gate ? { gate } : {}),
            hasFixEffector: (id) => tree.find(id)?.hasEffector(config.fix.effector) ?? false,
            isUp: (id) => tree.find(id)?.sensor<boolean>('service.up').value,
            quorumLoss: (ids) => quorumLoss(tree, ids),
            surgeFor: (id) => surgeFor(tree, id),
            membersOf: (id) => {
              const members = tree.find(id)?.members ?? [];
              return { ids: members.map((m) => m.id), serving: members.filter((m) => m.state !== 'stopping' && m.state !== 'stopped').length };
            },
            within: (id, ancestor) => {
              const a = tree.find(ancestor);
              const e = tree.find(id);
              return a !== undefined && e !== undefined && (a.contains(e) || e.groups.some((g) => a.contains(g)));
            },
          },
          scope.map((e) => e.id),
        );
        entity.sensor(EXPOSED_SENSOR).publish(assessment.exposed.map(reportOf));
        entity.sensor(EXPOSED_COUNT_SENSOR).publish(assessment.exposed.length);
        return { kind: 'assessment', inputs, detail: { assessment } };
      }),
    );
  },
  plan: (symptom, { state, config, policyId }) => {
    const assessment = symptom.detail.assessment;
    if (!assessment) return undefined;
    writeProgress(state, assessment.progress);
    // what this assessment settled is said in whichever decision it makes, never left out
    const verified = assessment.verified.length > 0 ? `verified ${assessment.verified.join(', ')} by their inventory. ` : '';
    const failed = assessment.newlyFailed.length > 0 ? `fix failed on ${assessment.newlyFailed.join(', ')}. ` : '';
    const resize = assessment.resize;
    if (resize) {
      return {
        actions: [{ entity: resize.group, effector: 'resize', params: { size: resize.size } }],
        reason: verified + failed + (resize.why === 'surge'
          ? `surge: ${resize.group} grows to ${resize.size} members before its members are updated, so it keeps its quorum (it has no spare member)`
          : `surge over: ${resize.group} shrinks back to ${resize.size} members, its members are updated`),
        targets: [resize.group],
      } satisfies Plan;
    }
    const next = assessment.next;
    if (next) {
      return {
        actions: Object.entries(next.entities).flatMap(([entity, fix]) => stepsOf(entity, fix, config)),
        reason: `${verified}${failed}batch ${next.id}: ${Object.entries(next.entities).map(([entity, fix]) => `${entity} (${Object.entries(fix.to).map(([pkg, to]) => `${pkg} ${fix.from[pkg] ?? '?'} -> ${to}`).join(', ')})`).join('; ')} for ${findingIds(assessment.exposed, next.entities)}`,
        targets: Object.keys(next.entities),
      } satisfies Plan;
    }
    const held = assessment.exposed.filter((e) => e.reason !== 'planned' && e.reason !== 'in_progress');
    if (held.length === 0 && verified === '' && failed === '') return undefined;
    const blocking = held.some((e) => ['window_closed', 'frozen', 'quorum', 'health_gate_failed', 'verification_failed', 'waiting_for_dependency', 'down'].includes(e.reason));
    return {
      actions: [],
      nonAction: blocking ? 'blocked' : held.length > 0 ? 'refused' : 'no_action',
      reason: `${verified}${failed}${held.length === 0 ? `${policyId}: nothing else is exposed` : `still exposed: ${summarise(held)}`}`,
    };
  },
  observe: (decision, { state, scheduler }) => {
    const progress = readProgress(state);
    const batch = progress.batch;
    const next = (decision.symptom.detail as { assessment?: Assessment } | undefined)?.assessment?.next;
    if (!batch || !next || next.id !== batch.id || batch.outcome !== undefined) return;
    writeProgress(state, { ...progress, batch: { ...batch, outcome: decision.outcome, decidedAt: scheduler.now(), ...(decision.error ? { error: decision.error.message } : {}) } });
  },
});

function stepsOf(entity: string, fix: { to: Readonly<Record<string, string>>; from: Readonly<Record<string, string>> }, config: RemediationConfig): Action[] {
  let previous: string | undefined;
  return Object.entries(fix.to).map(([pkg, to]) => {
    const from = fix.from[pkg] ?? '';
    const id = `${entity}:${pkg}`;
    const params = (version: string, installed: string) => Object.fromEntries(Object.entries(config.fix.params).map(([k, t]) => [k, renderTemplate(t, { id: entity, package: pkg, fixedVersion: version, installedVersion: installed })]));
    const step: Action = {
      id,
      entity,
      effector: config.fix.effector,
      params: params(to, from),
      after: previous === undefined ? [] : [previous],
      check: { entity, sensor: 'service.up', op: 'eq', value: true, withinMs: config.healthTimeout },
      ...(config.rollback ? { compensate: { entity, effector: config.fix.effector, params: params(from, to) } } : {}),
    };
    previous = id;
    return step;
  });
}

function reportOf(e: Exposed): Record<string, unknown> {
  return { entity: e.entity, package: e.package, ecosystem: e.ecosystem, installed: e.installed, findings: e.findings, severity: e.severity, ...(e.fixTo === undefined ? {} : { fixTo: e.fixTo }), reason: e.reason, detail: e.detail };
}

function findingIds(exposed: readonly Exposed[], batch: Readonly<Record<string, { readonly to: Readonly<Record<string, string>> }>>): string {
  return [...new Set(exposed.filter((e) => batch[e.entity]?.to[e.package] !== undefined).flatMap((e) => e.findings))].join(', ');
}

function summarise(held: readonly Exposed[]): string {
  return held.map((e) => `${e.entity} ${e.package} ${e.installed} (${e.findings.join(', ')}): ${e.reason.replaceAll('_', ' ')}, ${e.detail}`).join('; ');
}
