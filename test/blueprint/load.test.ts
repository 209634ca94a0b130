import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint, parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError, formatProblem } from '../../src/blueprint/problems.js';

const fixtures = path.join(import.meta.dirname, 'fixtures');

async function problems(text: string): Promise<string[]> {
  try {
    await parseBlueprint(text, path.join(fixtures, 'inline.yaml'));
  } catch (error) {
    if (error instanceof BlueprintError) return error.problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('loadBlueprint', () => {
  it('reports every problem at once, each with its line and column', async () => {
    const file = path.join(fixtures, 'bad.yaml');
    const error = await loadBlueprint(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueprintError);
    const lines = (error as BlueprintError).problems.map(formatProblem);
    const expected = [
      [8, 7, "unknown key 'colour'"],
      [11, 29, "'soon' is not a duration"],
      [15, 19, "reads sensor 'cpuu' of its members, but the member spec (type sim.server) does not have it"],
      [20, 47, 'target: Too small'],
      [21, 16, "unknown policy 'teleporter'"],
      [22, 19, "policy module './missing-policy.ts': no such file"],
      [23, 11, "duplicate entity id 'web'"],
      [24, 13, "unknown entity type 'quantum-computer'"],
      [27, 17, "member 'ghost' is not an entity of this blueprint"],
    ] as const;
    for (const [line, col, text] of expected) {
      expect(lines.some((l) => l.startsWith(`${file}:${line}:${col}: `) && l.includes(text)), `${line}:${col} ${text}\n${lines.join('\n')}`).toBe(true);
    }
    expect(lines.some((l) => l.includes('membership cycle: db -> db2 -> db'))).toBe(true);
  });

  it('reports YAML syntax errors with their position', async () => {
    expect(await problems('name: x\napplication: [\n')).toEqual([expect.stringMatching(/^3:1: YAML: /)]);
  });

  it('says a blueprint nested thousands of levels deep is nested too deeply, with where', async () => {
    let node = '{"id":"leaf","type":"entity"}';
    for (let level = 3000; level > 0; level--) node = `{"id":"n${level}","type":"group","children":[${node}]}`;
    const found = await problems(`{"name":"deep","application":{"id":"app","type":"application","children":[${node}]}}`);
    expect(found).toEqual([expect.stringMatching(/^1:\d+: YAML: nested too deeply to parse here/)]);
  });

  it('requires a name and an application, and rejects unknown top-level keys', async () => {
    const found = await problems('nmae: x\n');
    expect(found).toEqual(expect.arrayContaining([expect.stringContaining("unknown key 'nmae'"), expect.stringContaining("needs an 'application'")]));
  });

  it('checks policy configs against the policy schema, naming the policy', async () => {
    const found = await problems(`name: x
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      memberSpec: { type: entity }
      policies:
        - use: autoscaler
          config: { metric: group.size, target: 1, max: 3, min: 9 }
`);
    expect(found).toEqual(['11:65: min: min must not exceed max (policy \'autoscaler\')']);
  });

  it('checks sensors a policy requires on its own entity', async () => {
    const found = await problems(`name: x
application:
  id: app
  children:
    - id: web
      type: cluster
      memberSpec: { type: entity }
      policies:
        - use: autoscaler
          config: { metric: cpu.p99, target: 1, max: 3 }
`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^10:29: policy 'autoscaler' on 'web' reads sensor 'cpu.p99', which 'web' does not have/);
  });

  it('loads a valid blueprint with a user policy module and resolves it', async () => {
    const blueprint = await parseBlueprint(`name: ok
engine: { seed: 7 }
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 2 }
      memberSpec: { type: entity }
      policies:
        - module: ./throwing-policy.ts
          cooldown: 30s
`, path.join(fixtures, 'inline.yaml'));
    expect(blueprint.seed).toBe(7);
    const policy = blueprint.root.children[0]?.policies[0];
    expect(policy?.definition.name).toBe('always-throws');
    expect(policy?.cooldownMs).toBe(30_000);
  });

  it('keeps positions right after a list item with problems is dropped', async () => {
    const found = await problems(`name: x
application:
  id: app
  children:
    - id: web
      type: cluster
      memberSpec: { type: entity }
      policies:
        - use: teleporter
        - use: autoscaler
          config: { metric: cpu.p99, target: 1, max: 3 }
`);
    expect(found[0]).toMatch(/^9:16: unknown policy 'teleporter'/);
    expect(found[1]).toMatch(/^11:29: policy 'autoscaler' on 'web' reads sensor 'cpu.p99'/);
  });

  it('says when the file does not exist', async () => {
    await expect(loadBlueprint('/nowhere/x.yaml')).rejects.toThrow(/x.yaml:1:1: cannot read the blueprint: no such file/);
  });
});
