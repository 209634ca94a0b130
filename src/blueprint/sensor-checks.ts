import { SERVICE_STATE, SERVICE_UP } from '../core/lifecycle.js';
import { ESCALATION, SCALE_FLOOR } from '../core/standard-effectors.js';
import type { SensorDefinition } from '../sensors/define-sensor.js';
import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { ResolvedEntity } from './resolved.js';
import { isKindFeed } from './feed-kinds.js';
import { publishedBy } from './sensor-decl.js';

const STANDARD: ReadonlyArray<SensorDefinition<unknown>> = [SERVICE_UP, SERVICE_STATE, ESCALATION, SCALE_FLOOR] as ReadonlyArray<SensorDefinition<unknown>>;

/** Who already provides a sensor on this node, in words, or undefined. */
function builtInOwner(node: ResolvedEntity, name: string): string | undefined {
  if (STANDARD.some((s) => s.name === name)) return 'every entity';
  if ((node.type.sensors ?? []).some((s) => s.name === name)) return `entities of type '${node.type.name}'`;
  return undefined;
}

/**
 * Checks the sensors of each node against each other. An entity keeps the first definition of a name, so a
 * second one is silently ignored (its type or staleness bound never applies), and two writers to one sensor
 * (an enricher and the driver, or two enrichers) make it flap. A health-check feed writes booleans, so its
 * sensor must accept them.
 */
export function sensorProblems(root: ResolvedEntity): PathProblem[] {
  const problems: PathProblem[] = [];
  for (const node of allNodes(root)) {
    const declared = new Set<string>();
    for (const sensor of node.sensors) {
      // a standard sensor declared again with a staleness bound keeps its schema and takes the bound (see Entity)
      const owner = sensor.staleAfterMs === undefined ? builtInOwner(node, sensor.name) : undefined;
      if (owner) problems.push({ path: [...node.path, 'sensors'], message: `sensor '${sensor.name}' is already a sensor of ${owner}: declaring it again would be ignored` });
      else if (declared.has(sensor.name)) problems.push({ path: [...node.path, 'sensors'], message: `sensor '${sensor.name}' is declared twice` });
      declared.add(sensor.name);
    }
    const published = new Map<string, number>();
    for (const enricher of node.enrichers) {
      for (const name of publishedBy(enricher)) {
        const at = [...node.path, 'enrichers', enricher.index, 'publish'];
        const owner = builtInOwner(node, name);
        const other = published.get(name);
        if (owner) problems.push({ path: at, message: `enricher '${enricher.kind}' publishes '${name}', which is already a sensor of ${owner}: two writers would overwrite each other` });
        else if (other !== undefined) problems.push({ path: at, message: `enricher '${enricher.kind}' publishes '${name}', which enricher ${other + 1} of this entity publishes too` });
        published.set(name, enricher.index);
      }
    }
    for (const feed of node.feeds) {
      if (isKindFeed(feed)) continue; // a feed of a kind (prometheus, http, exec) writes what its sensor takes
      const definition = [...STANDARD, ...(node.type.sensors ?? []), ...node.sensors].find((s) => s.name === feed.sensor);
      if (definition && !definition.schema.safeParse(true).success) {
        problems.push({ path: [...node.path, 'feeds', feed.index, 'sensor'], message: `a health check feed writes true or false, but sensor '${feed.sensor}' does not take booleans (declare it with type: boolean)` });
      }
    }
  }
  return problems;
}
