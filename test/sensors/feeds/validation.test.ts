import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint, parseBlueprint } from '../../../src/blueprint/load.js';
import { BlueprintError, formatProblem } from '../../../src/blueprint/problems.js';
import { feedCommonShape, FeedKindRegistry, type FeedCommon, type FeedKind } from '../../../src/sensors/feeds/feed-kind.js';
import { builtinFeedKinds } from '../../../src/sensors/feeds/builtin-feed-kinds.js';
import { fetchText } from '../../../src/sensors/feeds/fetch-text.js';
import { z } from 'zod';

const root = path.resolve(import.meta.dirname, '../../..');
const fixture = path.join(import.meta.dirname, 'fixtures/bad-feeds.yaml');

describe('feed declarations in validate', () => {
  const expected = [
    [7, 15, "unknown feed kind 'graphite' (known: exec, http, prometheus, scan-report)"],
    [8, 45, 'url: not an http(s) URL'],
    [9, 7, "a prometheus feed needs a 'query'"],
    [10, 42, 'argv is a list of arguments'],
    [11, 77, "template field 'config.prot': the entity's config has no 'prot' (it has: port)"],
    [12, 98, 'a secret is never written in the blueprint'],
    [13, 77, "unknown template field 'member.id'"],
    [14, 7, "exactly one of 'pointer' (JSON) or 'metric' (Prometheus text)"],
    [15, 89, "'soon' is not a duration"],
    [16, 45, 'credentials in a URL'],
  ] as const;

  it('reports every bad declaration with its line and column', async () => {
    const error = await loadBlueprint(fixture).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueprintError);
    const lines = (error as BlueprintError).problems.map(formatProblem);
    for (const [line, col, text] of expected) {
      expect(lines.some((l) => l.startsWith(`${fixture}:${line}:${col}: `) && l.includes(text)), `${line}:${col} ${text}\n${lines.join('\n')}`).toBe(true);
    }
    expect(lines.some((l) => l.includes('hunter2'))).toBe(false);
  });

  it('homeostat validate prints them as file:line:col: message and exits 1', () => {
    const result = spawnSync(process.execPath, [path.join(root, 'bin/homeostat.js'), 'validate', fixture], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    for (const [line, col] of expected) expect(result.stderr).toContain(`${fixture}:${line}:${col}: `);
  });

  it('refuses a port fetch never connects to, where a port made of placeholders is left to run time', async () => {
    const feeds = (url: string) => `name: p\napplication:\n  id: app\n  config: { port: 6000 }\n  sensors: [{ name: v }]\n  feeds:\n    - { kind: http, sensor: v, url: "${url}", pointer: /v }\n`;
    for (const port of [6000, 6667, 10080, 2049]) {
      const error = await parseBlueprint(feeds(`http://127.0.0.1:${port}/ok`), 'p.yaml').catch((e: unknown) => e);
      expect((error as BlueprintError).problems.map(formatProblem)).toEqual([expect.stringContaining(`url: port ${port} is one fetch never connects to (the fetch standard's "bad ports"`)]);
    }
    // one that only run time knows (a template) fails each poll saying the same, not fetch's bare 'bad port'
    await expect(fetchText('http://127.0.0.1:6000/ok', { signal: new AbortController().signal })).rejects.toThrow('cannot reach 127.0.0.1:6000: port 6000 is one fetch never connects to');
    for (const url of ['http://127.0.0.1:6001/ok', 'http://127.0.0.1:{{config.port}}/ok', 'https://example.com/metrics']) await expect(parseBlueprint(feeds(url), 'p.yaml')).resolves.toBeDefined();
  });

  it('a fan-out feed reads the sensor of every member; a sensor the member spec lacks is an error there', async () => {
    const text = `name: f\napplication:\n  id: app\n  type: group\n  memberSpec: { type: entity, sensors: [{ name: rps }] }\n  feeds:\n    - { kind: prometheus, sensor: rps, url: "http://p:9090", query: x, fanOut: { label: worker, key: "w-{{member.id}}" } }\n    - { kind: prometheus, sensor: lat, url: "http://p:9090", query: x, fanOut: { label: worker } }\n`;
    const error = await parseBlueprint(text, 'f.yaml').catch((e: unknown) => e);
    const lines = (error as BlueprintError).problems.map(formatProblem);
    expect(lines).toEqual([expect.stringMatching(/^f\.yaml:8:35: a fan-out feed on 'app' reads sensor 'lat' of its members, but the member spec/)]);
  });

  it('a feed sets the staleness bound of a sensor that declares none: staleAfter, else 2 x every + timeout', async () => {
    const bp = await parseBlueprint(`name: s\napplication:\n  id: app\n  sensors: [{ name: a }, { name: b }, { name: c, staleAfter: 1m }]\n  feeds:\n    - { kind: exec, sensor: a, argv: ["true"], every: 10s, timeout: 3s }\n    - { kind: exec, sensor: b, argv: ["true"], staleAfter: 45s }\n    - { kind: exec, sensor: c, argv: ["true"] }\n`, 's.yaml');
    expect(Object.fromEntries(bp.root.sensors.map((s) => [s.name, s.staleAfterMs]))).toEqual({ a: 23_000, b: 45_000, c: 60_000 });
  });

  it('accepts a kind a module registers, with the same positioned errors', async () => {
    const schema = z.strictObject({ kind: z.literal('dice'), ...feedCommonShape, sides: z.number().int().min(2) });
    const dice: FeedKind<FeedCommon & { sides: number }> = {
      name: 'dice',
      description: 'a random number',
      schema,
      create: (decl, entity) => async () => ({ samples: [{ entity, value: decl.sides }], missing: [] }),
    };
    const kinds: FeedKindRegistry = builtinFeedKinds().register(dice);
    const text = `name: d\napplication:\n  id: app\n  sensors: [{ name: roll }]\n  feeds:\n    - { kind: dice, sensor: roll, sides: 6 }\n    - { kind: dice, sensor: roll, sides: 1 }\n`;
    const error = await parseBlueprint(text, 'd.yaml', { feedKinds: kinds }).catch((e: unknown) => e);
    expect((error as BlueprintError).problems.map(formatProblem)).toEqual([expect.stringMatching(/^d\.yaml:7:42: sides: Too small/)]);
    const ok = await parseBlueprint(text.split('\n').slice(0, 6).join('\n'), 'd.yaml', { feedKinds: kinds });
    expect(ok.root.feeds).toHaveLength(1);
  });
});
