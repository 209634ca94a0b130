// GET /policies built a status for every attached policy of the tree in one answer (two per entity of a tree
// of 100,000: 200,000). It now answers a page of at most limit (default 1,000, at most 10,000) with the
// next page at Link rel="next".
import { map } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Deployment, definePolicy, type Blueprint } from '../../src/index.js';
import { readPages, treeNode } from './paged-tree.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const node = treeNode;
const root = node('app', Array.from({ length: 2 }, (_, g) => node(`g${g}`, Array.from({ length: 800 }, (_, i) => node(`e${g}-${i}`)))));
const watcher = definePolicy({
  name: 'watcher',
  config: z.object({}),
  monitor: ({ entity }) => entity.sensor<number>('load').readings$,
  analyze: (source) => source.pipe(map((o) => ({ kind: 'load', inputs: [o] }))),
  plan: () => ({ actions: [], reason: 'hold' }),
});
const VIEWER = 'viewer-token-of-the-whole-tree';
const SCOPED = 'viewer-token-of-g1-only-000';

describe('GET /policies on a large tree', () => {
  let deployment: Deployment;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    deployment = await Deployment.create({ name: 'big', file: 'big.yaml', root } as Blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    // one policy per entity of the groups, three on e0-1: 1,602 policies
    for (const entity of deployment.tree.entities()) if (entity.id.startsWith('e')) deployment.engine.attach(entity, watcher, {});
    deployment.engine.attach(deployment.tree.get('e0-1'), watcher, {}, { id: 'e0-1/watcher-2' });
    deployment.engine.attach(deployment.tree.get('e0-1'), watcher, {}, { id: 'e0-1/watcher-3' });
    const served = await serve(deployment, { port: 0, auth: { tokens: [{ token: VIEWER, name: 'vera', role: 'viewer' }, { token: SCOPED, name: 'sam', role: 'viewer', scope: 'g1' }] } });
    url = served.url;
    close = () => served.close();
  });
  afterAll(async () => {
    await close?.();
    await deployment?.stop();
  });

  const read = (first: string, token: string) => readPages<{ id: string; entity: string }>(url, first, token);

  it('answers at most 1,000 a page, and every policy once over the pages, in the order of the tree', async () => {
    const pages = await read('/policies', VIEWER);
    expect(pages.map((p) => p.length)).toEqual([1_000, 602]);
    const ids = pages.flat().map((p) => p.id);
    expect(new Set(ids).size).toBe(1_602);
    expect(new Set(ids)).toEqual(new Set(deployment.engine.policies().map((p) => p.id)));
    expect(pages.flat().slice(0, 4).map((p) => p.entity)).toEqual(['e0-0', 'e0-1', 'e0-1', 'e0-1']);
  });

  it('goes on inside an entity whose policies a page ended among', async () => {
    const pages = await read('/policies?limit=2', VIEWER);
    expect(pages.slice(0, 2).map((p) => p.map((s) => s.entity))).toEqual([['e0-0', 'e0-1'], ['e0-1', 'e0-1']]);
    expect(new Set(pages.flat().map((p) => p.id)).size).toBe(1_602);
  });

  it("pages only a scoped caller's subtree", async () => {
    const pages = await read('/policies?limit=300', SCOPED);
    expect(pages.map((p) => p.length)).toEqual([300, 300, 200]);
    expect(pages.flat().every((p) => p.entity.startsWith('e1-'))).toBe(true);
  });

  it('refuses a limit past 10,000 and a cursor it did not give', async () => {
    const status = async (route: string) => (await fetch(`${url}${route}`, { headers: { authorization: `Bearer ${VIEWER}` } })).status;
    expect(await status('/policies?limit=10001')).toBe(400);
    expect(await status('/policies?cursor=e30')).toBe(400);
  });
});
