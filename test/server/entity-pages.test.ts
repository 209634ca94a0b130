// GET /entities on a large tree was one answer built in one go (100,000 entities: about a second and 11 MB,
// the event loop and every control loop stalled meanwhile). The tree answer is now bounded (limit, default
// 1,000, at most 10,000), and format=list reads the whole tree page by page with a cursor.
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment, type Blueprint } from '../../src/index.js';
import { nextLink, treeNode } from './paged-tree.js';
import { serve } from '../../src/server/serve.js';

const node = treeNode;
/** app, 3 groups of 1,500 entities, and 2 children under the first entity of each group: 4,510 entities. */
const root = node('app', Array.from({ length: 3 }, (_, g) => node(`g${g}`, Array.from({ length: 1_500 }, (_, i) => node(`e${g}-${i}`, i === 0 ? [node(`e${g}-0-a`), node(`e${g}-0-b`)] : [])))));

type Summary = { id: string; parent?: string | null; children?: Summary[]; childCount?: number };
const count = (e: Summary): number => 1 + (e.children ?? []).reduce((n, c) => n + count(c), 0);

describe('GET /entities on a large tree', () => {
  let deployment: Deployment;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    deployment = await Deployment.create({ name: 'big', file: 'big.yaml', root } as Blueprint, { scheduler: new VirtualClock() });
    deployment.start();
    const served = await serve(deployment, { port: 0 });
    url = served.url;
    close = () => served.close();
  });
  afterAll(async () => {
    await close?.();
    await deployment?.stop();
  });

  const get = async (route: string) => {
    const response = await fetch(`${url}${route}`);
    return { status: response.status, link: response.headers.get('link'), body: (await response.json()) as Summary & Summary[] & { error?: string; code?: string } };
  };

  /** Every page of the list from `first` on, following Link rel=next. */
  const pages = async (first: string) => {
    const read: Summary[][] = [];
    for (let next: string | null = first; next !== null; ) {
      const page = await get(next);
      expect(page.status, page.body.error).toBe(200);
      read.push(page.body);
      next = nextLink(page.link);
    }
    return read;
  };

  it('answers the tree with at most 1,000 entities by default, expanded breadth first; the others by childCount', async () => {
    const { status, body } = await get('/entities');
    expect(status).toBe(200);
    expect(count(body)).toBeLessThanOrEqual(1_000);
    expect(body.children?.map((g) => [g.id, g.childCount, g.children])).toEqual([['g0', 1_500, undefined], ['g1', 1_500, undefined], ['g2', 1_500, undefined]]);
    // a subtree that fits is answered whole, as before
    const sub = await get('/entities?root=e1-0');
    expect(sub.body).toMatchObject({ id: 'e1-0', children: [{ id: 'e1-0-a', children: [] }, { id: 'e1-0-b', children: [] }] });
    const wide = await get('/entities?limit=10000');
    expect(count(wide.body)).toBe(1 + 3 + 4_500 + 6);
    expect(wide.body.children?.[0]?.children?.[0]?.children?.map((e) => e.id)).toEqual(['e0-0-a', 'e0-0-b']);
  });

  it('reads the whole tree as a list, page by page, in pre-order, each entity once', async () => {
    const read = await pages('/entities?format=list&limit=1000');
    expect(read.map((p) => p.length)).toEqual([1_000, 1_000, 1_000, 1_000, 510]);
    const ids = read.flat().map((e) => e.id);
    expect(ids).toEqual([...deployment.tree.get('app').subtree()].map((e) => e.id));
    expect(read[0]?.[1]).toMatchObject({ id: 'g0', parent: 'app', childCount: 1_500 });
    // the default limit is 1,000 too, and depth bounds the walk
    expect((await pages('/entities?format=list')).length).toBe(5);
    expect((await pages('/entities?format=list&depth=1')).flat().map((e) => e.id)).toEqual(['app', 'g0', 'g1', 'g2']);
  });

  it('goes on after the last entity of a page when it left the tree before the next page', async () => {
    const first = await get('/entities?format=list&root=g2&limit=3');
    expect(first.body.map((e) => e.id)).toEqual(['g2', 'e2-0', 'e2-0-a']);
    deployment.tree.remove('e2-0-a');
    const next = /^<([^>]+)>/.exec(first.link ?? '')?.[1] ?? '';
    expect((await get(next)).body.map((e) => e.id)).toEqual(['e2-0-b', 'e2-1', 'e2-2']);
  });

  it('refuses a limit past 10,000, a cursor it did not give, and a cursor with another root', async () => {
    expect((await get('/entities?limit=10001')).status).toBe(400);
    expect((await get('/entities?format=list&limit=0')).status).toBe(400);
    const forged = await get('/entities?format=list&cursor=bm90LWEtY3Vyc29y');
    expect([forged.status, forged.body.code]).toEqual([400, 'E_CURSOR']);
    const first = await get('/entities?format=list&root=g0&limit=2');
    const cursor = new URL(/^<([^>]+)>/.exec(first.link ?? '')?.[1] ?? '', url).searchParams.get('cursor') ?? '';
    const other = await get(`/entities?format=list&root=g1&cursor=${cursor}`);
    expect(other.status).toBe(400);
    expect(other.body.error).toContain("root 'g0'");
    expect((await get(`/entities?cursor=${cursor}`)).status).toBe(400);
  });

  it('documents limit, cursor and format in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${url}/docs`)).json()) as { paths: Record<string, { get: { parameters: { name: string; schema: Record<string, unknown> }[] } }> };
    const parameters = Object.fromEntries((doc.paths['/entities']?.get.parameters ?? []).map((p) => [p.name, p.schema]));
    expect(parameters['limit']).toMatchObject({ minimum: 1, maximum: 10_000 });
    expect(parameters['format']).toMatchObject({ enum: ['tree', 'list'] });
    expect(parameters['cursor']).toMatchObject({ type: 'string' });
  });
});
