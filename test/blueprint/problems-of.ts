import path from 'node:path';
import { parseBlueprint, type LoadBlueprintOptions } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';

/** Folder of the blueprint fixtures; inline blueprints are anchored here (module paths are relative to it). */
export const fixtures = path.join(import.meta.dirname, 'fixtures');

/** Validates blueprint text; returns every problem as `line:col: message` (empty when valid). */
export async function problemsOf(text: string, options: LoadBlueprintOptions = {}): Promise<string[]> {
  try {
    await parseBlueprint(text, path.join(fixtures, 'inline.yaml'), options);
  } catch (error) {
    if (error instanceof BlueprintError) return error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw error;
  }
  return [];
}

/** A blueprint with one cluster `web` of sim.server members, its policies and cluster config given as YAML lines. */
export function clusterBlueprint(policies: string, config = ''): string {
  return `name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      config: {${config}}
      memberSpec: { type: sim.server }
      policies:
${policies
  .split('\n')
  .map((l) => `        ${l}`)
  .join('\n')}
`;
}
