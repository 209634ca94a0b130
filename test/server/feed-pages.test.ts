// GET /feeds answered every feed of the tree at once (a health-check feed per member: 100,000 for 100,000
// servers), and GET /entities/:id/feeds scanned every feed for one entity's. /feeds now answers a page of at
// most limit feeds, entity by entity in the order of the tree, with the next page at Link rel="next"; an
// entity's feeds are found through the board's index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment, type Blueprint } from '../../src/index.js';
import { readPages, treeNode } from './paged-tree.js';
import { FeedHealth } from '../../src/sensors/feeds/feed-health.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const node = treeNode;
const root = node('app', Array.from({ length: 2 }, (_, g) => node(`g${g}`, Array.from({ length: 700 }, (_, i) => node(`e${g}-${i}`)))));
const VIEWER = 'viewer-token-of-the-whole-tree';
const SCOPED = 'viewer-token-of-g1-only-000';

describe('GET /feeds on a large tree', () => {
  let deployment: Deployment;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    deployment = await Deployment.create({ name: 'big', file: 'big.yaml', root } as Blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    // a feed per entity of the groups, two on e0-3 and e1-699: 1,402 feeds
    for (const entity of deployment.tree.entities()) if (entity.id.startsWith('e')) deployment.feeds.add(new FeedHealth(`${entity.id}/up`, 'tcp', entity.id, 'service.up'));
    for (const id of ['e0-3', 'e1-699']) deployment.feeds.add(new FeedHealth(`${id}/load`, 'prometheus', id, 'load'));
    const served = await serve(deployment, { port: 0, auth: { tokens: [{ token: VIEWER, name: 'vera', role: 'viewer' }, { token: SCOPED, name: 'sam', role: 'viewer', scope: 'g1' }] } });
    url = served.url;
    close = () => served.close();
  });
  afterAll(async () => {
    await close?.();
    await deployment?.stop();
  });

  const read = (first: string, token: string) => readPages<{ id: string; entity: string }>(url, first, token);

  it('answers at most 1,000 a page, and every feed once over the pages, in the order of the tree', async () => {
    const pages = await read('/feeds', VIEWER);
    expect(pages.map((p) => p.length)).toEqual([1_000, 402]);
    const ids = pages.flat().map((f) => f.id);
    expect(new Set(ids).size).toBe(1_402);
    expect(ids.slice(0, 5)).toEqual(['e0-0/up', 'e0-1/up', 'e0-2/up', 'e0-3/up', 'e0-3/load']);
    expect(ids.at(-1)).toBe('e1-699/load');
  });

  it('pages a scoped caller through its own subtree only, splitting an entity between pages where the limit falls', async () => {
    const pages = await read('/feeds?limit=350', SCOPED);
    expect(pages.map((p) => p.length)).toEqual([350, 350, 1]);
    expect(pages.flat().every((f) => f.entity.startsWith('e1-'))).toBe(true);
    expect(pages.flat().slice(-2).map((f) => f.id)).toEqual(['e1-699/up', 'e1-699/load']);
  });

  it("gives one entity's feeds", async () => {
    const response = await fetch(`${url}/entities/e0-3/feeds`, { headers: { authorization: `Bearer ${VIEWER}` } });
    expect(((await response.json()) as { id: string }[]).map((f) => f.id)).toEqual(['e0-3/up', 'e0-3/load']);
  });
});
