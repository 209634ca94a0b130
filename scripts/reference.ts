// Generates docs/reference.md from the registries: every built-in entity type (config, sensors, effectors
// with their params) and every built-in policy (config keys). `npm run docs:reference` writes it;
// test/readme/reference.test.ts fails when the file is out of date.
import { stringify } from 'yaml';
import { BUILTIN_POLICIES, Deployment, VirtualClock, builtinTypes, parseBlueprint, type EntityType, type Entity } from '../src/index.js';
import { describeKeys, formatMs, inlineParams, type KeyRow } from './describe-schema.js';

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function keyTable(rows: readonly KeyRow[]): string[] {
  if (rows.length === 0) return ['No keys.'];
  return [
    '| key | type | default |',
    '| --- | --- | --- |',
    ...rows.map((r) => `| \`${r.key}\` | ${r.type} | ${r.defaultValue === undefined ? (r.required ? '**required**' : '') : `\`${cell(r.defaultValue)}\``} |`),
  ];
}

function isFreeForm(schema: unknown): boolean {
  return (schema as { _zod?: { def?: { type?: string } } })._zod?.def?.type === 'record';
}

/** Builds one entity of the type in a throwaway deployment, to list what its driver really adds. */
async function instantiate(type: EntityType): Promise<Entity | undefined> {
  const node: Record<string, unknown> = { id: 'x', type: type.name };
  if (type.needsMemberSpec) node['memberSpec'] = { type: 'entity' };
  if (type.name === 'sim.traffic') node['config'] = { site: 'x' };
  const text = stringify({ name: 'reference', application: { id: 'root', type: 'application', children: [node] } });
  const clock = new VirtualClock();
  try {
    const deployment = await Deployment.create(await parseBlueprint(text, 'reference.yaml'), { scheduler: clock });
    deployment.start();
    await clock.advanceBy(1);
    const entity = deployment.tree.find('x');
    await deployment.stop();
    return entity;
  } catch {
    return undefined;
  }
}

/** Sensors every entity has, described once at the top. */
const STANDARD_SENSORS = ['service.up', 'service.state', 'escalation'];

function sensorType(schema: unknown): string {
  const type = (schema as { _zod?: { def?: { type?: string } } })._zod?.def?.type ?? 'json';
  return ['number', 'boolean', 'string'].includes(type) ? type : type === 'enum' ? 'string' : 'json';
}

async function entityTypeSection(type: EntityType): Promise<string[]> {
  const entity = await instantiate(type);
  const lines = [`### \`${type.name}\``, '', `${type.description.charAt(0).toUpperCase()}${type.description.slice(1)}.`];
  const notes: string[] = [];
  if (type.needsMemberSpec) notes.push('Needs a `memberSpec` (the blueprint of each member).');
  if (type.defaultQuorum) notes.push(`Default quorum: \`${type.defaultQuorum.rule}\` of its ${type.defaultQuorum.from}.`);
  if (notes.length > 0) lines.push('', notes.join(' '));
  const keys = describeKeys(type.config);
  lines.push('', '**Config**', '', ...(keys.length === 0 && isFreeForm(type.config) ? ['Free-form: any keys, kept as given for feeds and policies to read.'] : keyTable(keys)));
  const sensors = entity ? entity.sensors.map((s) => s.definition) : [...(type.sensors ?? [])];
  const own = sensors.filter((s) => !STANDARD_SENSORS.includes(s.name));
  lines.push('', '**Sensors** (besides the standard ones)', '');
  if (own.length === 0) lines.push('None of its own: add them with `sensors:`, feeds, enrichers or the API.');
  else {
    lines.push('| sensor | type | unit | stale after | description |', '| --- | --- | --- | --- | --- |');
    for (const s of own) lines.push(`| \`${s.name}\` | ${sensorType(s.schema)} | ${s.unit ?? ''} | ${s.staleAfterMs === undefined ? '' : formatMs(s.staleAfterMs)} | ${cell(s.description ?? '')} |`);
  }
  const effectors = entity ? entity.effectors.filter((e) => e.name !== 'escalate') : [];
  lines.push('', '**Effectors** (besides `escalate`)', '');
  if (effectors.length === 0 && (type.effectors ?? []).length === 0) lines.push('None.');
  else if (effectors.length === 0) lines.push((type.effectors ?? []).map((n) => `\`${n}\``).join(', '));
  else {
    lines.push('| effector | params | idempotent | timeout | description |', '| --- | --- | --- | --- | --- |');
    for (const e of effectors) lines.push(`| \`${e.name}\` | ${inlineParams(e.params)} | ${e.idempotent ? 'yes' : 'no'} | ${e.timeoutMs === undefined ? '' : formatMs(e.timeoutMs)} | ${cell(e.description ?? '')} |`);
  }
  return lines;
}

/** The whole reference, as Markdown. */
export async function referenceMarkdown(): Promise<string> {
  const registry = builtinTypes();
  const lines = [
    '# homeostat reference: built-in entity types and policies',
    '',
    '<!-- Generated from the registries by `npm run docs:reference`; do not edit by hand. -->',
    '',
    'Durations are written as a number of seconds or with a unit (`500ms`, `30s`, `5m`, `1h`, `1d`).',
    'Every entity also has the standard sensors `service.up` (boolean), `service.state` (created, starting,',
    'running, stopping, stopped, on-fire) and `escalation` (set when a policy on it gives up and asks its parent',
    'to act), and the `escalate` effector. A blueprint adds sensors with `sensors:` (name, type, unit,',
    'staleAfter, description). Defaults inside lists are shown as parsed: durations there are in milliseconds.',
    '',
    '## Entity types',
    '',
  ];
  for (const name of registry.names()) {
    const type = registry.get(name);
    if (type) lines.push(...(await entityTypeSection(type)), '');
  }
  lines.push('## Policies', '', 'Attached with `use: <name>` and `config:` in a blueprint; unknown keys are reported by `validate`.', '');
  for (const [name, policy] of [...BUILTIN_POLICIES].sort(([a], [b]) => a.localeCompare(b))) {
    const description = policy.description;
    lines.push(`### \`${name}\``, '', ...(description ? [`${description.charAt(0).toUpperCase()}${description.slice(1)}.`, ''] : []), ...keyTable(describeKeys(policy.config)), '');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
