// A view of the live feed shows what the feed holds even when the feed changed between the view's first
// render and the moment it began to follow the feed (its effects run only after the browser paints: a frame,
// or longer on a busy machine). A real serve() whose loop stands still; the page's clock is Playwright's.
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium } from './console-fixture.js';
import { ADMIN_TOKEN, startInjectedService, type InjectedService } from './injected-service.js';

let service: InjectedService;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  [service, browser] = await Promise.all([startInjectedService(), launchChromium()]);
}, 60_000);
afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

/** Lets the page run a few turns of its event loop (a message channel: the page's timers are paused). */
async function settle(page: Page): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await page.evaluate('new Promise((done) => { const c = new MessageChannel(); c.port1.onmessage = () => done(undefined); c.port2.postMessage(0); })');
  }
}

describe('the console between a first render and its effects', () => {
  it('shows the recent decisions that the feed loaded after the decisions view first rendered and before it followed the feed', async () => {
    service.decide(1, () => ({ reason: 'loaded between a render and its effects' }));
    const context = await browser.newContext();
    await context.clock.install();
    const page = await context.newPage();
    pages.push(page);
    // the feed's first read of the recent decisions is held until the decisions view has rendered
    const held: Route[] = [];
    const recent = (url: URL): boolean => url.pathname.endsWith('/decisions') && url.searchParams.get('limit') === '200';
    await page.route(recent, (route) => void held.push(route));
    await page.goto(`${service.url}/ui/`);
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('who').waitFor();
    await expect.poll(() => held.length).toBe(1);
    // time stands still from here: no frame is painted, no timer fires, so no effect runs
    await page.clock.pauseAt((await page.evaluate('Date.now()')) as number + 1_000);
    await page.goto(`${service.url}/ui/#/decisions`);
    await page.getByRole('heading', { name: 'Decisions' }).waitFor();
    expect(await page.locator('p[aria-live="polite"]').textContent()).toBe('0 of 0 decisions shown');
    // the answer comes in now: the feed holds the decision before the view follows it
    const answered = page.waitForEvent('requestfinished', (request) => recent(new URL(request.url())));
    await held[0]?.continue();
    await answered;
    await settle(page);
    // the browser paints again: the view's effects run
    await page.clock.runFor(1_000);
    await page.locator('li[data-decision]').first().waitFor({ timeout: 5_000 });
    expect(await page.locator('li[data-decision] .reason').allTextContents()).toEqual(['loaded between a render and its effects']);
  }, 60_000);
});
