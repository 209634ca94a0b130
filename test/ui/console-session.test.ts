// The console when the API stops taking its token, answers with an error or stops answering: a real serve()
// whose loop stands still.
import type { Browser, Page, Route } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { freePort } from '../support/free-port.js';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
import { ADMIN_TOKEN, JWT_SECRET, startInjectedService, type InjectedService } from './injected-service.js';

let service: InjectedService;
let browser: Browser;
const pages: Page[] = [];

beforeAll(async () => {
  ensureConsoleBuilt();
  // no clock skew allowed: a token is refused the second it expires
  [service, browser] = await Promise.all([startInjectedService({ auth: { clockSkewSeconds: 0 } }), launchChromium()]);
}, 60_000);
afterEach(async () => {
  for (const page of pages.splice(0)) await page.context().close();
});
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the console when its token stops working', () => {
  it('goes back to the login, saying why, when the API refuses the token it logged in with', async () => {
    const token = signJwt({ sub: 'eve', role: 'admin', exp: Math.floor(Date.now() / 1000) + 8 }, JWT_SECRET);
    const page = await logIn(browser, service, token);
    pages.push(page);
    await page.locator('li[data-entity="web"]').waitFor();
    // the tree reads itself again every few seconds: the first read after the expiry is refused
    await page.getByLabel('API token').waitFor({ timeout: 30_000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/refused/);
    expect(await page.evaluate("sessionStorage.getItem('homeostat.token')")).toBeNull();
  }, 60_000);
});

describe('the console when the API does not answer', () => {
  it('says so after 30 s instead of loading for ever, and loads once the API answers again', async () => {
    const context = await browser.newContext();
    await context.clock.install();
    const page = await context.newPage();
    pages.push(page);
    // every API request is held unanswered, as by a stalled service or proxy
    const held: Route[] = [];
    const api = (url: URL): boolean => !url.pathname.startsWith('/ui');
    await page.route(api, (route) => void held.push(route));
    await page.goto(`${service.url}/ui/`);
    await expect.poll(() => held.length).toBeGreaterThan(0);
    expect(await page.locator('main').getAttribute('aria-busy')).toBe('true');
    await page.clock.runFor(31_000);
    await page.getByRole('alert').waitFor({ timeout: 5_000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/did not answer.*30 s/);
    // the API answers again: the login goes through
    await page.unroute(api);
    // (the page gave up on them: their fetch was aborted)
    await Promise.all(held.map((r) => r.abort().catch(() => undefined)));
    await page.getByLabel('API token').fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('who').waitFor();
  }, 60_000);
});


describe('the console when the service restarts', () => {
  it('shows what the restarted service holds, not the decisions of its earlier run', async () => {
    const port = await freePort();
    let first: InjectedService | undefined = await startInjectedService({ port });
    let second: InjectedService | undefined;
    try {
      first.decide(1, () => ({ reason: 'before the restart' }));
      const page = await logIn(browser, first, ADMIN_TOKEN);
      pages.push(page);
      await page.goto(`${first.url}/ui/#/decisions`);
      await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
      // an event, so that the page has a position in the first run's stream
      first.decide(1, () => ({ reason: 'live before the restart' }));
      await page.getByText('live before the restart').waitFor();
      await first.stop();
      first = undefined;
      second = await startInjectedService({ port });
      second.decide(1, () => ({ reason: 'after the restart' }));
      // the page resumes with the id of the first run; the service says ids started again (a gap event)
      await page.getByText('after the restart').waitFor({ timeout: 20_000 });
      await expect.poll(() => page.locator('li[data-decision] .reason').allTextContents(), { timeout: 10_000 }).toEqual(['after the restart']);
    } finally {
      await first?.stop();
      await second?.stop();
    }
  }, 60_000);
});
