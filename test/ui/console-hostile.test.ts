// The console shows what the tree and the loops put in it: markup there stays text, and a long value without
// spaces stays inside the page. A real serve() whose decisions and readings the test records itself.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn, pageProblems } from './console-fixture.js';
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

async function open(hash: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await logIn(browser, service, ADMIN_TOKEN, viewport);
  pages.push(page);
  await page.goto(`${service.url}/ui/${hash}`);
  return page;
}

// markup that would show up as an element with data-pwned if any of it reached the page as HTML
const HTML = (where: string) => `<img src=x data-pwned="${where}" onerror="window.pwned=1"><script data-pwned="${where}">window.pwned=1</script>`;
// a value without a single place to break a line, as a token, a hash or a minified JSON can be
const UNBROKEN = 'k'.repeat(3000);

/** Elements that came from the hostile strings, and whether any of their script ran. */
function injected(page: Page): Promise<{ elements: number; ran: boolean }> {
  // (run in the page: the tests' tsconfig has no DOM types)
  return page.evaluate("({ elements: document.querySelectorAll('[data-pwned]').length, ran: 'pwned' in window })") as Promise<{ elements: number; ran: boolean }>;
}

/** How far the page is wider than its window (px): 0 when nothing pushes it sideways. */
function overflow(page: Page): Promise<number> {
  return page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth') as Promise<number>;
}

describe('the console with hostile data', () => {
  it('shows markup in decisions and readings as text and runs none of it', async () => {
    const decision = {
      reason: `reason ${HTML('reason')}`,
      detail: `detail ${HTML('detail')}`,
      error: { code: HTML('code'), message: `message ${HTML('message')}` },
      symptom: { kind: HTML('kind'), detail: { note: HTML('symptom') } },
      actions: [{ entity: 'web', effector: 'restart', params: { why: HTML('params') } }],
      inputs: [{ entity: 'web', sensor: 'note', value: HTML('input'), at: Date.now() }],
      outcome: 'failed' as const,
    };
    service.decide(1, () => decision);
    const page = await open('#/decisions');
    const row = page.locator('li[data-decision]').first();
    await row.waitFor();
    expect(await row.locator('.reason').textContent()).toBe(decision.reason);
    expect(await injected(page)).toEqual({ elements: 0, ran: false });
    await row.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Invocation records' }).waitFor();
    expect(await page.locator('.reason').textContent()).toBe(decision.reason);
    expect(await page.locator('dd.error').textContent()).toBe(`${decision.error.code}: ${decision.error.message}`);
    expect(await injected(page)).toEqual({ elements: 0, ran: false });
    // a text sensor's reading, live and from the entity read
    service.deployment.tree.get('web').sensor<string>('note').publish(HTML('sensor'));
    await page.goto(`${service.url}/ui/#/entity/web`);
    await expect.poll(() => page.locator('tr[data-sensor="note"] td.value').textContent()).toBe(HTML('sensor'));
    service.deployment.tree.get('web').sensor<string>('note').publish(HTML('live'));
    await expect.poll(() => page.locator('tr[data-sensor="note"] td.value').textContent()).toBe(HTML('live'));
    expect(await injected(page)).toEqual({ elements: 0, ran: false });
    expect(pageProblems(page)).toEqual([]);
  }, 60_000);

  it('keeps a long value without spaces inside the page, on a laptop and on a phone', async () => {
    service.decide(1, () => ({
      reason: `reason ${UNBROKEN}`,
      detail: UNBROKEN,
      actions: [{ entity: 'web', effector: 'restart', params: { token: UNBROKEN } }],
      inputs: [{ entity: 'web', sensor: 'note', value: UNBROKEN, at: Date.now() }],
    }));
    service.deployment.tree.get('web').sensor<string>('note').publish(UNBROKEN);
    for (const viewport of [{ width: 1366, height: 768 }, { width: 390, height: 844 }]) {
      const page = await open('#/decisions', viewport);
      await page.locator('li[data-decision]').first().waitFor();
      expect({ view: 'decisions', width: viewport.width, overflow: await overflow(page) }).toEqual({ view: 'decisions', width: viewport.width, overflow: 0 });
      await page.locator('li[data-decision]').first().getByRole('link').first().click();
      await page.getByRole('heading', { name: 'Invocation records' }).waitFor();
      expect({ view: 'decision', width: viewport.width, overflow: await overflow(page) }).toEqual({ view: 'decision', width: viewport.width, overflow: 0 });
      await page.goto(`${service.url}/ui/#/entity/web`);
      await expect.poll(() => page.locator('tr[data-sensor="note"] td.value').textContent()).toBe(UNBROKEN);
      expect({ view: 'entity', width: viewport.width, overflow: await overflow(page) }).toEqual({ view: 'entity', width: viewport.width, overflow: 0 });
    }
  }, 60_000);
});
