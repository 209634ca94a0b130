// A blueprint written as JSON is read by the YAML parser (JSON is YAML), which refuses a key twice in one
// mapping; the problem has a line and column as every blueprint problem does, and now names the key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError, formatProblem } from '../../src/blueprint/problems.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'json-blueprint-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** The problems of a blueprint file written with `text`, as `file:line:col: message`. */
async function problemsOf(name: string, text: string): Promise<{ file: string; lines: string[] }> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  const error = await loadBlueprint(file).catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(BlueprintError);
  return { file, lines: (error as BlueprintError).problems.map(formatProblem) };
}

describe('a JSON blueprint with a key twice in one object', () => {
  it('is a problem at the second key, naming it', async () => {
    const { file, lines } = await problemsOf('nested.json', '{\n  "name": "shop",\n  "application": {\n    "id": "web",\n    "config": {"replicas": 3,\n      "replicas": 30}\n  }\n}\n');
    expect(lines).toEqual([`${file}:6:7: YAML: Map keys must be unique ('replicas' is given twice; only one value could be kept)`]);
  });

  it('counts keys that differ only by escapes as one key, at the top level or in a list', async () => {
    const top = await problemsOf('escaped.json', '{"name": "a", "n\\u0061me": "b", "application": {"id": "x"}}');
    expect(top.lines).toEqual([`${top.file}:1:15: YAML: Map keys must be unique ('name' is given twice; only one value could be kept)`]);
    const listed = await problemsOf('listed.json', '{"name": "a", "application": {"id": "x", "children": [\n  {"id": "y", "id": "z"}]}}');
    expect(listed.lines).toEqual([`${listed.file}:2:15: YAML: Map keys must be unique ('id' is given twice; only one value could be kept)`]);
  });

  it('as YAML too', async () => {
    const { file, lines } = await problemsOf('twice.yaml', 'name: a\napplication:\n  id: x\n  id: y\n');
    expect(lines).toEqual([`${file}:4:3: YAML: Map keys must be unique ('id' is given twice; only one value could be kept)`]);
  });
});
