// Extension points and edges: a kind a module registers runs like a built-in; secrets from files and the
// environment; the Alertmanager sink's mapping rules; the receiver settings of `homeostat run`.
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { alertmanagerFromEnvironment } from '../../../src/cli/service-environment.js';
import { EntityTree } from '../../../src/core/entity-tree.js';
import { defineSensor } from '../../../src/sensors/define-sensor.js';
import { AlertSink } from '../../../src/sensors/feeds/alert-sink.js';
import { webhookPayloadSchema } from '../../../src/sensors/feeds/alertmanager-payload.js';
import { builtinFeedKinds } from '../../../src/sensors/feeds/builtin-feed-kinds.js';
import { entityContext } from '../../../src/sensors/feeds/entity-context.js';
import { feedCommonShape, type FeedCommon, type FeedKind } from '../../../src/sensors/feeds/feed-kind.js';
import { authorizationHeader, readSecret } from '../../../src/sensors/feeds/secret-source.js';
import { renderTemplate } from '../../../src/sensors/feeds/template.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

describe('a feed kind registered by a module', () => {
  it('is validated and run like a built-in, on the same runner', async () => {
    const counter: FeedKind<FeedCommon & { step: number }> = {
      name: 'counter',
      description: 'counts up by step per poll',
      schema: z.strictObject({ kind: z.literal('counter'), ...feedCommonShape, step: z.number() }),
      create: (decl, entity) => {
        let n = 0;
        return async () => ({ samples: [{ entity, value: (n += decl.step) }], missing: [] });
      },
    };
    const clock = new VirtualClock();
    const bp = await parseBlueprint('name: c\napplication:\n  id: app\n  sensors: [{ name: count }]\n  feeds: [{ kind: counter, sensor: count, step: 5, every: 1s, jitter: 0 }]\n', 'c.yaml', { feedKinds: builtinFeedKinds().register(counter) });
    const deployment = await Deployment.create(bp, { scheduler: clock });
    deployment.start();
    await clock.advanceBy(3_000);
    expect(deployment.tree.get('app').sensor('count').value).toBe(20);
    expect(deployment.feeds.health('app')).toEqual([expect.objectContaining({ kind: 'counter', polls: 4, consecutiveFailures: 0 })]);
    await deployment.stop();
    expect(deployment.feeds.health()).toEqual([]);
  });
});

describe('secrets', () => {
  it('come from a file (re-read, so a rotated token is used) or an environment variable, and errors never show them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-secret-'));
    const file = path.join(dir, 'token');
    await writeFile(file, 'first\n');
    expect(await authorizationHeader({ bearer: { file } })).toBe('Bearer first');
    await writeFile(file, 'second');
    expect(await authorizationHeader({ bearer: { file } })).toBe('Bearer second');
    expect(await authorizationHeader({ basic: { username: 'u', password: { env: 'PW' } } }, { PW: 'p' })).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    await expect(readSecret({ file: path.join(dir, 'missing') })).rejects.toThrow(`cannot read secret file ${path.join(dir, 'missing')}: ENOENT`);
    await expect(readSecret({ env: 'UNSET_VARIABLE_X' }, {})).rejects.toThrow('environment variable UNSET_VARIABLE_X is not set');
  });
});

describe('templates over entities', () => {
  it('see id, type, parent.id and config', () => {
    const tree = new EntityTree(new VirtualClock());
    const app = tree.add({ id: 'app', type: 'application' });
    const db = tree.add({ id: 'db', type: 'entity', config: { port: 5432, tags: { zone: 'a' } } }, app);
    expect(renderTemplate('{{type}}/{{parent.id}}/{{id}}:{{config.port}}@{{config.tags.zone}}', entityContext(db))).toBe('entity/app/db:5432@a');
    expect(() => renderTemplate('{{parent.id}}', entityContext(app))).toThrow("template field 'parent.id' has no value");
  });
});

describe('AlertSink', () => {
  const tree = new EntityTree(new VirtualClock());
  const root = tree.add({ id: 'root', type: 'application' });
  const web = tree.add({ id: 'web', type: 'entity', sensors: [defineSensor({ name: 'alert.Down', schema: z.unknown() })] }, root);
  tree.add({ id: 'plain', type: 'entity' }, root);
  const sink = new AlertSink(tree, { entityLabel: 'service' });
  const alert = (fingerprint: string, labels: Record<string, string>, status: 'firing' | 'resolved' = 'firing') => ({ status, labels, annotations: {}, startsAt: '2026-01-01T00:00:00Z', endsAt: '', fingerprint });
  const payload = (alerts: ReturnType<typeof alert>[]) => webhookPayloadSchema.parse({ version: '4', status: 'firing', alerts });

  it('maps by the configured label, says why an alert matched nothing, and keeps each alert apart by fingerprint', () => {
    const receipt = sink.receive(payload([
      alert('a1', { alertname: 'Down', service: 'web', instance: 'i1' }),
      alert('a2', { alertname: 'Down', service: 'web', instance: 'i2' }),
      alert('a3', { alertname: 'Down', entity: 'web' }),
      alert('a4', { alertname: 'Down', service: 'plain' }),
    ]));
    expect(receipt.published).toBe(2);
    expect(receipt.unmatched).toEqual([
      { fingerprint: 'a3', reason: "no 'service' label" },
      { fingerprint: 'a4', reason: "'plain' has neither a sensor 'alert.Down' nor 'alerts'" },
    ]);
    expect(web.sensor('alert.Down').value).toMatchObject({ status: 'firing', firing: 2, alerts: [{ labels: { instance: 'i1' } }, { labels: { instance: 'i2' } }] });
    sink.receive(payload([alert('a1', { alertname: 'Down', service: 'web', instance: 'i1' }, 'resolved')]));
    expect(web.sensor('alert.Down').value).toMatchObject({ status: 'firing', firing: 1, alerts: [{ fingerprint: 'a2' }] });
    sink.receive(payload([alert('a2', { alertname: 'Down', service: 'web', instance: 'i2' }, 'resolved')]));
    expect(web.sensor('alert.Down').value).toEqual({ status: 'resolved', firing: 0, alerts: [] });
  });

  it('a late firing notice of a resolved alert is a duplicate; a new firing (new startsAt) is published again', () => {
    expect(sink.receive(payload([alert('a1', { alertname: 'Down', service: 'web' })]))).toMatchObject({ published: 0, duplicates: 1 });
    const again = { ...alert('a1', { alertname: 'Down', service: 'web' }), startsAt: '2026-01-02T00:00:00Z' };
    expect(sink.receive(payload([again])).published).toBe(1);
    expect(sink.alerts('web')).toHaveLength(1);
  });
});

describe('homeostat run settings for the receiver', () => {
  it('come from the environment, token or token file, and an optional label', () => {
    expect(alertmanagerFromEnvironment({})).toEqual({});
    expect(alertmanagerFromEnvironment({ HOMEOSTAT_ALERTMANAGER_TOKEN: 't'.repeat(20), HOMEOSTAT_ALERTMANAGER_LABEL: 'service' })).toEqual({ alertmanager: { token: 't'.repeat(20), entityLabel: 'service' } });
    expect(alertmanagerFromEnvironment({ HOMEOSTAT_ALERTMANAGER_TOKEN_FILE: '/run/secrets/am' })).toEqual({ alertmanager: { tokenFile: '/run/secrets/am' } });
  });
});
