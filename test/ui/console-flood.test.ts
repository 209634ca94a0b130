// The console under a flood of decisions from a real serve(): what it keeps, what it shows, and that it
// keeps up. The loop of the service stands still; the test records the decisions itself.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
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

async function open(hash: string): Promise<Page> {
  const page = await logIn(browser, service, ADMIN_TOKEN);
  pages.push(page);
  await page.goto(`${service.url}/ui/${hash}`);
  return page;
}

/** Events the page has taken from the stream. */
async function received(page: Page): Promise<number> {
  return Number(await page.getByTestId('stream-state').getAttribute('data-events'));
}

/** The JS heap the page uses after a full collection (bytes), and its element count. */
async function footprint(page: Page): Promise<{ heap: number; elements: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return { heap: usedSize, elements: (await page.evaluate("document.getElementsByTagName('*').length")) as number };
}

/** `shown` and `held` of the "N of M decisions shown" line. */
async function counts(page: Page): Promise<{ shown: number; held: number }> {
  const text = (await page.getByText(/decisions shown/).textContent()) ?? '';
  const m = /(\d+) of (\d+) decisions shown/.exec(text);
  if (!m) throw new Error(`no count in '${text}'`);
  return { shown: Number(m[1]), held: Number(m[2]) };
}

describe('the console under a flood of decisions', () => {
  it('holds a bounded number of decisions and a bounded page, however many the stream brings', async () => {
    const page = await open('#/decisions');
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
    const flood = async (n: number) => {
      const before = await received(page);
      for (let sent = 0; sent < n; sent += 500) service.decide(500, () => ({ reason: 'x'.repeat(400) }));
      await expect.poll(() => received(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(before + n);
    };
    await flood(2_000);
    const early = { ...(await footprint(page)), ...(await counts(page)) };
    await flood(10_000);
    const late = { ...(await footprint(page)), ...(await counts(page)) };
    console.log(`after 2000 decisions: ${JSON.stringify(early)}; after 12000: ${JSON.stringify(late)}`);
    expect(late.held).toBeLessThanOrEqual(1_000);
    expect(late.elements).toBeLessThanOrEqual(early.elements * 1.1);
    expect(late.heap).toBeLessThan(early.heap * 1.5);
    // the newest is at the top
    const newest = await page.locator('li[data-decision]').first().getAttribute('data-decision');
    const all = await page.locator('li[data-decision]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-decision')));
    expect(all).toHaveLength(late.shown);
    expect(newest).toMatch(/^d-test-/);
  }, 120_000);
});
