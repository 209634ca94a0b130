// The console over a large tree (20 000 entities) from a real serve(): a bounded page, a filter that
// still finds any entity, refreshes that never pile up on a slow API, and filters of a bounded size.
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
import { ADMIN_TOKEN, startInjectedService, type InjectedService } from './injected-service.js';

const EXTRA = 20_000;
let service: InjectedService;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [service, browser] = await Promise.all([startInjectedService({ extra: EXTRA }), launchChromium()]);
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
    await page.locator('li[data-entity="node-0"]').waitFor({ timeout: 30_000 });
    const rows = await page.locator('li[data-entity]').count();
    const count = await elements(page);
    console.log(`tree of ${EXTRA + 2} entities: ${rows} rows, ${count} elements`);
    expect(rows).toBeLessThanOrEqual(500);
    expect(count).toBeLessThan(5_000);
    expect(await page.getByText(/entities are not shown/).textContent()).toMatch(new RegExp(`${EXTRA + 2 - rows} entities are not shown`));
    // the last one is found by the filter, with its ancestor
    await page.getByLabel('Filter').fill(`node-${EXTRA - 1}`);
    await page.locator(`li[data-entity="node-${EXTRA - 1}"]`).waitFor();
    expect(await page.locator('li[data-entity]').evaluateAll((li) => li.map((l) => l.getAttribute('data-entity')))).toEqual(['shop', `node-${EXTRA - 1}`]);
  }, 60_000);

  it('offers the entities with decisions as subtrees to filter by, not every entity of the tree', async () => {
    service.decide(3, (i) => ({ entity: i === 0 ? 'web' : `node-${i}` }));
    const page = await open('#/decisions');
    await page.locator('li[data-decision]').first().waitFor();
    await expect.poll(() => page.locator('#f-subtree option').allTextContents(), { timeout: 30_000 }).toEqual(expect.arrayContaining(['shop', 'web', 'node-1', 'node-2']));
    expect(await page.locator('#f-subtree option').count()).toBeLessThan(100);
    await page.getByLabel('Subtree').selectOption('node-2');
    await expect.poll(() => page.locator('li[data-decision] .line .muted').allTextContents()).toEqual(['on node-2']);
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
