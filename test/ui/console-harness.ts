import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { ensureConsoleBuilt, launchChromium, logIn, root, startServer, type RunningServer } from './console-fixture.js';

/** Where the browser tests write their screenshots (and the bundle size), for a person to look at. */
export const shots = path.join(root, '.scratch/console-screenshots');

/** What a console test file shares: a real server, a browser, and pages logged in with a token. */
export interface ConsoleHarness {
  readonly server: RunningServer;
  readonly browser: Browser;
  /** A new page (its own sessionStorage) logged in with the token; closed after the test. */
  open(token: string, viewport?: { width: number; height: number }): Promise<Page>;
}

/**
 * Registers the hooks of a console test file: builds the console if needed, starts `homeostat run` of the
 * test blueprint and Chromium before the tests, closes each test's pages after it (with their streams,
 * so that one test does not load the server for the next), and stops both at the end.
 */
export function useConsoleHarness(): ConsoleHarness {
  let server: RunningServer | undefined;
  let browser: Browser | undefined;
  const pages: Page[] = [];
  beforeAll(async () => {
    ensureConsoleBuilt();
    mkdirSync(shots, { recursive: true });
    [server, browser] = await Promise.all([startServer('test/ui/fixtures/console.yaml'), launchChromium()]);
  }, 60_000);
  afterEach(async () => {
    for (const page of pages.splice(0)) await page.context().close();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} did not start`);
    return value;
  };
  return {
    get server() {
      return need(server, 'server');
    },
    get browser() {
      return need(browser, 'browser');
    },
    async open(token, viewport) {
      const page = await logIn(need(browser, 'browser'), need(server, 'server'), token, viewport);
      pages.push(page);
      return page;
    },
  };
}

/** Ids of the decision rows on the page. */
export function rowIds(page: Page): Promise<string[]> {
  return page.locator('li[data-decision]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-decision') ?? ''));
}
