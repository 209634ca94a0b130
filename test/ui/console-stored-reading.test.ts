// A sensor with no reading since the service started shows the reading kept when it last stopped, marked as
// such and never as current; the first new reading replaces it. A real serve() and headless Chromium.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn } from './console-fixture.js';
import { ADMIN_TOKEN, startInjectedService, type InjectedService } from './injected-service.js';

let service: InjectedService;
let browser: Browser;

beforeAll(async () => {
  ensureConsoleBuilt();
  [service, browser] = await Promise.all([startInjectedService(), launchChromium()]);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await service?.stop();
});

describe('the console: a reading kept from before the restart', () => {
  it('shows it muted with its age and "before restart" until the sensor reads again', async () => {
    const knowledge = service.deployment.knowledge;
    knowledge.recordSnapshot({ entity: 'web', sensor: 'load', value: 42, at: Date.now() - 120_000 });
    await knowledge.flush();
    const page: Page = await logIn(browser, service, ADMIN_TOKEN);
    try {
      await page.goto(`${service.url}/ui/#/entity/web`);
      const row = page.locator('tr[data-sensor="load"]');
      await row.waitFor();
      expect(await row.locator('td.value .stored').textContent()).toBe('42');
      expect(await row.locator('td').nth(1).textContent()).toMatch(/^2 min ago before restart/);
      // a sensor with nothing kept shows no value, as before
      expect(await page.locator('tr[data-sensor="note"] td.value').textContent()).toBe('—');
      service.deployment.tree.get('web').sensor<number>('load').publish(7);
      await expect.poll(() => row.locator('td.value').textContent()).toBe('7');
      expect(await row.locator('.stored').count()).toBe(0);
      expect(await row.textContent()).not.toContain('before restart');
    } finally {
      await page.context().close();
    }
  }, 60_000);
});
