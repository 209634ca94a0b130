// The console when the API stops taking its token, answers with an error or stops answering: a real serve()
// whose loop stands still.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signJwt } from '../../src/server/auth.js';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
import { JWT_SECRET, startInjectedService, type InjectedService } from './injected-service.js';

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
    const token = signJwt({ sub: 'eve', role: 'admin', exp: Math.floor(Date.now() / 1000) + 4 }, JWT_SECRET);
    const page = await logIn(browser, service, token);
    pages.push(page);
    await page.locator('li[data-entity="web"]').waitFor();
    // the tree reads itself again every few seconds: the first read after the expiry is refused
    await page.getByLabel('API token').waitFor({ timeout: 20_000 });
    expect(await page.getByRole('alert').textContent()).toMatch(/refused/);
    expect(await page.evaluate(() => sessionStorage.getItem('homeostat.token'))).toBeNull();
  }, 30_000);
});
