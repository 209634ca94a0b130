// The console over a large tree (20 000 entities) from a real serve() whose GET /entities answers a bounded
// part of the tree: a bounded page that shows what the first answer holds and opens the rest a page at a
// time, a filter that still finds any entity, refreshes that never pile up on a slow API, and filters of a
// bounded size.
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
import { ADMIN_TOKEN, startInjectedService, type InjectedService } from './injected-service.js';

const EXTRA = 20_000;
/** Children of `web`: not in the first answer (their parent is not expanded), found by opening it or by the filter. */
const WEB_CHILDREN = 3;
const TOTAL = EXTRA + 2 + WEB_CHILDREN;
let service: InjectedService;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [service, browser] = await Promise.all([startInjectedService({ extra: EXTRA, webChildren: WEB_CHILDREN }), launchChromium()]);
}, 120_000);
afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

async function open(hash: string): Promise<Page> {
  const page = await logIn(browser, service, ADMIN_TOKEN);
  pages.push(page);
  await page.goto(`${service.url}/ui/${hash}`);
  return page;
}

const elements = (page: Page): Promise<number> => page.evaluate("document.getElementsByTagName('*').length") as Promise<number>;

describe('the console over a large tree', () => {
  it('shows a bounded part of the tree, says what it left out, and the filter finds any entity', async () => {
    const page = await open('#/');
    // the first answer holds the root alone (its 20 001 children do not fit): the root is opened, a page of them
    await page.locator('li[data-entity="node-0"]').waitFor({ timeout: 30_000 });
    const rows = await page.locator('li[data-entity]').count();
    const count = await elements(page);
    console.log(`tree of ${TOTAL} entities: ${rows} rows, ${count} elements`);
    expect(rows).toBeLessThanOrEqual(500);
    expect(count).toBeLessThan(5_000);
    // every entity not drawn here is a child of one drawn: of shop (not all read) or of web (not opened)
    expect(await page.getByText(/are not loaded/).textContent()).toMatch(new RegExp(`^${TOTAL - rows} more entities`));
    // the last one is found by the filter, with its ancestor, though no answer of the tree view held it
    await page.getByLabel('Filter').fill(`node-${EXTRA - 1}`);
    await page.locator(`li[data-entity="node-${EXTRA - 1}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator('li[data-entity]').evaluateAll((li) => li.map((l) => l.getAttribute('data-entity')))).toEqual(['shop', `node-${EXTRA - 1}`]);
    await expect.poll(() => page.getByTestId('search-status').textContent(), { timeout: 30_000 }).toBe(`searched all ${TOTAL} entities`);
    // so is one under an entity never opened, with its ancestors
    await page.getByLabel('Filter').fill('web-2');
    await expect.poll(() => page.locator('li[data-entity]').evaluateAll((li) => li.map((l) => l.getAttribute('data-entity')))).toEqual(['shop', 'web', 'web-2']);
    // a filter that matches more than a page draws a page, and says how many more match
    await page.getByLabel('Filter').fill('node-');
    await expect.poll(() => page.locator('li[data-entity]').count()).toBe(400);
    expect(await page.getByText(/matching entities are not shown/).textContent()).toMatch(new RegExp(`^${EXTRA + 1 - 400} more matching`));
  }, 90_000);

  it('opens an entity the first answer did not expand, and pages through the children of a wide one', async () => {
    const page = await open('#/');
    await page.locator('li[data-entity="node-0"]').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('window-shop').textContent()).toBe(`children 1–200 of ${EXTRA + 1}`);
    expect(await page.locator('li[data-entity^="web-"]').count()).toBe(0);
    await page.getByRole('button', { name: `Open web: ${WEB_CHILDREN} children` }).click();
    await page.locator('li[data-entity="web-2"]').waitFor();
    expect(await page.locator('li[data-entity="web"] li[data-entity]').evaluateAll((li) => li.map((l) => l.getAttribute('data-entity')))).toEqual(['web-0', 'web-1', 'web-2']);
    // closed, web shows no children again, and a refresh keeps it closed
    await page.getByRole('button', { name: 'Close web' }).click();
    expect(await page.locator('li[data-entity^="web-"]').count()).toBe(0);
    const read = await page.getByText(/tree read/).textContent();
    await expect.poll(() => page.getByText(/tree read/).textContent(), { timeout: 10_000 }).not.toBe(read);
    expect(await page.locator('li[data-entity^="web-"]').count()).toBe(0);
    // the next page of shop's children in place of the first (the page stays bounded), then the first again
    await page.getByRole('button', { name: 'Next children of shop' }).click();
    await page.locator('li[data-entity="node-199"]').waitFor();
    expect(await page.getByTestId('window-shop').textContent()).toBe(`children 201–400 of ${EXTRA + 1}`);
    expect(await page.locator('li[data-entity]').evaluateAll((li) => [li.length, li[1]?.getAttribute('data-entity'), li.at(-1)?.getAttribute('data-entity')])).toEqual([201, 'node-199', 'node-398']);
    // a refresh reads the same page again
    const again = await page.getByText(/tree read/).textContent();
    await expect.poll(() => page.getByText(/tree read/).textContent(), { timeout: 10_000 }).not.toBe(again);
    expect(await page.getByTestId('window-shop').textContent()).toBe(`children 201–400 of ${EXTRA + 1}`);
    await page.getByRole('button', { name: 'First children of shop' }).click();
    await page.locator('li[data-entity="node-0"]').waitFor();
    expect(await page.locator('li[data-entity="node-199"]').count()).toBe(0);
  }, 60_000);

  it('offers the entities with decisions as subtrees to filter by, not every entity of the tree', async () => {
    service.decide(4, (i) => ({ entity: i === 0 ? 'web' : i === 3 ? 'web-1' : `node-${i}` }));
    const page = await open('#/decisions');
    await page.locator('li[data-decision]').first().waitFor();
    // each entity with decisions placed in the tree by its path, though no bounded answer of the tree holds it
    await expect.poll(() => page.locator('#f-subtree option').allTextContents(), { timeout: 30_000 }).toEqual(['all', 'shop', 'node-1', 'node-2', 'web', 'web-1']);
    await page.getByLabel('Subtree').selectOption('node-2');
    await expect.poll(() => page.locator('li[data-decision] .line .muted').allTextContents()).toEqual(['on node-2']);
    // a subtree holds the decisions of what is under it
    await page.getByLabel('Subtree').selectOption('web');
    await expect.poll(() => page.locator('li[data-decision] .line .muted').allTextContents()).toEqual(expect.arrayContaining(['on web', 'on web-1']));
    expect(await page.locator('li[data-decision]').count()).toBe(2);
  }, 60_000);

  it('reads the tree again only once the last read has answered (a stalled API gets one request, not one per refresh)', async () => {
    const context = await browser.newContext();
    await context.clock.install();
    const page = await context.newPage();
    pages.push(page);
    await page.goto(`${service.url}/ui/`);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.locator('li[data-entity="node-0"]').waitFor({ timeout: 30_000 });
    // from now on, the tree's reads are held unanswered, as by a stalled API or proxy
    const held: Route[] = [];
    await page.route((url) => url.pathname.endsWith('/entities') && url.searchParams.has('root'), (route) => void held.push(route));
    // (less than the 30 s after which a read gives up and the next one starts)
    await page.clock.runFor(25_000);
    await expect.poll(() => held.length).toBeGreaterThan(0);
    // eight periods of refreshes every 3 s: one read waits, none piles up behind it
    expect(held.length).toBe(1);
    await Promise.all(held.map((r) => r.abort().catch(() => undefined)));
  }, 60_000);
});
