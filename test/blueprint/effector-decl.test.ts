import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { main } from '../../src/cli/main.js';

async function problems(text: string): Promise<string[]> {
  const error = await parseBlueprint(text, 'e.yaml').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(BlueprintError);
  return (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
}

const head = 'name: e\napplication:\n  id: app\n  config: { region: eu }\n  effectors:\n';

describe('effector declarations in blueprints', () => {
  it('reports every bad declaration at its line and column', async () => {
    const found = await problems(
      head +
        [
          '    - { name: a, kind: teleport }', // 6
          '    - { name: b, kind: http, url: "not a url" }', // 7
          '    - { name: c, kind: exec, argv: "rm -rf /" }', // 8
          '    - { name: d, kind: exec, argv: [echo, "{{params.nope}}"], params: { yes: string } }', // 9
          '    - { name: e, kind: http, url: "http://x/{{config.missing}}/{{ secret }}" }', // 10
          '    - { name: f, kind: http, url: "http://x/", colour: red }', // 11
          '    - { name: g, kind: exec, argv: [a], params: { n: { type: integer, min: 9, max: 1 }, s: { type: float } } }', // 12
          '    - { name: escalate, kind: exec, argv: [a] }', // 13
          '    - { name: h, kind: http, url: "ftp://x/" }', // 14
          '    - { kind: exec, argv: [a] }', // 15
        ].join('\n') +
        '\n',
    );
    const expected: Array<[number, string]> = [
      [6, "unknown effector kind 'teleport' (known: exec, http)"],
      [7, "'not a url' is not a URL"],
      [8, 'argv is a list'],
      [9, "template names '{{params.nope}}', but the effector declares no param 'nope' (declared: yes)"],
      [10, "the entity's config has no 'missing'"],
      [10, "template names '{{secret}}'"],
      [11, "unknown key 'colour'"],
      [12, 'min 9 is above max 1'],
      [12, "a param is one of 'string', 'number', 'integer', 'boolean'"],
      [13, "effector 'escalate' is already an effector of this entity's type"],
      [14, 'only http and https URLs'],
      [15, 'name'],
    ];
    for (const [line, text] of expected) expect(found.some((p) => p.startsWith(`${line}:`) && p.includes(text)), `${line}: ${text}\n${found.join('\n')}`).toBe(true);
    // positions point into the item, not at the list
    expect(found.find((p) => p.includes('teleport'))).toMatch(/^6:24:/);
    expect(found.find((p) => p.includes('params.nope'))).toMatch(/^9:43:/);
  });

  it('a name clashing with the entity type\'s own effectors is an error; a declared one is added to the entity', async () => {
    const clash = await problems('name: e\napplication:\n  id: app\n  children:\n    - id: p\n      type: process\n      config: { command: sleep, args: ["1"] }\n      effectors: [{ name: restart, kind: exec, argv: [a] }]\n');
    expect(clash.some((p) => p.startsWith('8:') && p.includes("'restart' is already"))).toBe(true);
    const ok = await parseBlueprint(`${head}    - { name: drain, kind: exec, argv: [a, "{{params.node}}"], params: { node: { type: string, pattern: "^[a-z0-9-]+$" }, force: { type: boolean, default: false } } }\n`, path.resolve('ok.yaml'));
    const drain = ok.root.effectors?.[0];
    expect(drain?.name).toBe('drain');
    expect(drain?.params.safeParse({ node: 'n-1' })).toMatchObject({ success: true, data: { node: 'n-1', force: false } });
    expect(drain?.params.safeParse({ node: 'N 1' }).success).toBe(false);
    expect(drain?.params.safeParse({ node: 'n', force: 'yes' }).success).toBe(false);
    // the API shows params as JSON schema
    expect(z.toJSONSchema(drain?.params ?? z.never(), { io: 'input', unrepresentable: 'any' })).toMatchObject({ properties: { node: { type: 'string' }, force: { type: 'boolean', default: false } }, required: ['node'] });
  });

  it('homeostat validate prints them as file:line:col: message and exits 1', async () => {
    const lines: string[] = [];
    const code = await main(['node', 'homeostat', 'validate', 'test/blueprint/fixtures/bad-effectors.yaml'], { out: () => undefined, err: (l) => lines.push(l) });
    expect(code).toBe(1);
    expect(lines).toEqual([
      "test/blueprint/fixtures/bad-effectors.yaml:7:13: unknown effector kind 'ssh' (known: exec, http)",
      "test/blueprint/fixtures/bad-effectors.yaml:10:12: 'http//missing-colon/{{params.n}}' is not a URL (e.g. http://host:8080/path/{{params.id}})",
      "test/blueprint/fixtures/bad-effectors.yaml:14:13: argv: argv is a list: the program and its arguments, e.g. [/usr/bin/drain, '{{params.node}}']",
      "test/blueprint/fixtures/bad-effectors.yaml:17:21: template names '{{params.nod}}', but the effector declares no param 'nod' (declared: node)",
    ]);
  });
});
