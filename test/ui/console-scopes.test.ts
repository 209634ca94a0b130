// The console of a token of several subtrees (scope: [node-0, web]) from a real serve(): every subtree is a
// top-level row of the tree, the filter and the decisions cover all of them, and a third subtree stays unseen.
// The role and the subtrees come from GET /me; an older server without it is still probed.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { ensureConsoleBuilt, launchChromium, logIn, pageProblems } from './console-fixture.js';
import { JWT_SECRET, startInjectedService, type InjectedService } from './injected-service.js';

/** Children of `web`, more than the tree view's first answer and first page hold: one is found by the index only. */
const WEB_CHILDREN = 450;
let service: InjectedService;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [service, browser] = await Promise.all([startInjectedService({ extra: 3, webChildren: WEB_CHILDREN }), launchChromium()]);
}, 60_000);
afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

const tokenOf = (scope: string[], role = 'viewer') => signJwt({ sub: 'sol', role, scope, exp: Math.floor(Date.now() / 1000) + 600 }, JWT_SECRET);
const shownIds = (page: Page) => page.locator('li[data-entity]').evaluateAll((li) => li.map((l) => l.getAttribute('data-entity')));

async function open(token: string, beforeLogin?: (page: Page) => Promise<void>): Promise<Page> {
  if (!beforeLogin) {
    const page = await logIn(browser, service, token);
    pages.push(page);
    return page;
  }
  const context = await browser.newContext();
  const page = await context.newPage();
  pages.push(page);
  await beforeLogin(page);
  await page.goto(`${service.url}/ui`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('who').waitFor();
  return page;
}

describe('the console of a token of several subtrees', () => {
  it('shows each subtree as a top-level row, and not the others', async () => {
    const page = await open(tokenOf(['node-0', 'web']));
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('viewer of node-0, web');
    await page.locator('li[data-entity="web-0"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('li[data-entity="node-0"]').getAttribute('data-depth')).toBe('1');
    expect(await page.locator('li[data-entity="web"]').getAttribute('data-depth')).toBe('1');
    for (const id of ['shop', 'node-1', 'node-2']) expect(await page.locator(`li[data-entity="${id}"]`).count(), id).toBe(0);
    expect(pageProblems(page)).toEqual([]);
  });

  it('filters over every subtree: finds an entity under the second that no answer of the tree view held', async () => {
    const page = await open(tokenOf(['node-0', 'web']));
    await page.locator('li[data-entity="web"]').waitFor({ timeout: 20_000 });
    const last = `web-${WEB_CHILDREN - 1}`;
    expect(await page.locator(`li[data-entity="${last}"]`).count()).toBe(0);
    await page.getByLabel('Filter').fill(last);
    await expect.poll(() => shownIds(page), { timeout: 20_000 }).toEqual(['web', last]);
    // node-0, web and its children: the walk read both subtrees, and nothing else
    await expect.poll(() => page.getByTestId('search-status').textContent(), { timeout: 20_000 }).toBe(`searched all ${WEB_CHILDREN + 2} entities`);
    await page.getByLabel('Filter').fill('node-');
    await expect.poll(() => shownIds(page)).toEqual(['node-0']);
  }, 60_000);

  it('filters the subtree of a token of one scope too, its root drawn though its parent is outside the scope', async () => {
    const page = await open(tokenOf(['web']));
    await page.locator('li[data-entity="web"]').waitFor({ timeout: 20_000 });
    const last = `web-${WEB_CHILDREN - 1}`;
    await page.getByLabel('Filter').fill(last);
    await expect.poll(() => shownIds(page), { timeout: 20_000 }).toEqual(['web', last]);
  });

  it('shows the decisions of every subtree, filterable by each, and none of a third', async () => {
    service.decide(1, () => ({ entity: 'node-0', reason: 'on the first subtree' }));
    service.decide(1, () => ({ entity: 'web', reason: 'on the second subtree' }));
    service.decide(1, () => ({ entity: 'node-1', reason: 'on a third subtree' }));
    const page = await open(tokenOf(['node-0', 'web']));
    await page.goto(`${service.url}/ui/#/decisions`);
    await page.getByText('on the second subtree').waitFor({ timeout: 20_000 });
    await page.getByText('on the first subtree').waitFor();
    expect(await page.getByText('on a third subtree').count()).toBe(0);
    // each subtree is a choice of the filter, placed from its own root (not from the tree's, which this token does not see)
    await expect.poll(() => page.locator('#f-subtree option').evaluateAll((o) => o.map((x) => (x as { value: string }).value))).toEqual(['', 'node-0', 'web']);
    await page.getByLabel('Subtree').selectOption('web');
    await expect.poll(() => page.locator('li[data-decision] .reason').allTextContents()).toEqual(['on the second subtree']);
  });

  it('names the subtrees of its token that are not in the tree now', async () => {
    const page = await open(tokenOf(['web', 'gone']));
    await page.locator('li[data-entity="web"]').waitFor({ timeout: 20_000 });
    expect(await page.getByTestId('missing-roots').textContent()).toContain('gone');
  });

  it('probes the role and its first subtree, as before, from a server without GET /me', async () => {
    const page = await open(tokenOf(['node-0', 'web']), async (p) => {
      await p.route((url) => url.pathname === '/me', (route) => route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"not found"}' }));
    });
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('viewer of node-0');
    await page.locator('li[data-entity="node-0"]').waitFor({ timeout: 20_000 });
    expect(await page.locator('li[data-entity="web"]').count()).toBe(0);
  });
});
