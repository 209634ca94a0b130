// The web console in a real browser (Debian's chromium through playwright-core) against a real
// `homeostat run --port`: what each role sees, live decisions, the controls, and the replay view.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessibility } from './accessibility.js';
import { apiGet, ensureConsoleBuilt, launchChromium, logIn, pageProblems, root, startServer, TOKENS, type RunningServer } from './console-fixture.js';

const shots = path.join(root, '.scratch/console-screenshots');
let server: RunningServer;
let browser: Browser;
const pages: Page[] = [];

async function open(token: string, viewport?: { width: number; height: number }): Promise<Page> {
  const page = await logIn(browser, server, token, viewport);
  pages.push(page);
  return page;
}

/** Ids of the decision rows on the page. */
async function rowIds(page: Page): Promise<string[]> {
  return page.locator('li[data-decision]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-decision') ?? ''));
}

beforeAll(async () => {
  ensureConsoleBuilt();
  mkdirSync(shots, { recursive: true });
  [server, browser] = await Promise.all([startServer('test/ui/fixtures/console.yaml'), launchChromium()]);
}, 60_000);

afterEach(async () => {
  // each test's pages go, with their streams, so that tests do not load the server for the next
  for (const page of pages.splice(0)) await page.context().close();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('the console at /ui', () => {
  it('is served by the plugin from the built files only, under a CSP that allows no other origin', async () => {
    const redirect = await fetch(`${server.url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const index = await fetch(`${server.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${server.url}/ui/main.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    const body = await script.text();
    expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((await fetch(`${server.url}/ui/..%2Fpackage.json`)).status).toBe(404);
    // the bundle stays small: report it, and fail when it grows past a budget
    const css = readFileSync(path.join(root, 'dist/ui/styles.css'));
    const sizes = { js: body.length, jsGzip: gzipSync(body).length, css: css.length, cssGzip: gzipSync(css).length };
    writeFileSync(path.join(shots, 'bundle-size.json'), JSON.stringify(sizes, null, 2));
    console.log(`console bundle: main.js ${sizes.js} B (${sizes.jsGzip} B gzip), styles.css ${sizes.css} B (${sizes.cssGzip} B gzip)`);
    expect(sizes.jsGzip).toBeLessThan(40_000);
  });

  it('refuses a bad token at the login', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.url}/ui`);
    await page.getByLabel('API token').fill('not-a-token-at-all-000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    await context.close();
  });

  it('shows a viewer the tree with state and health, live, and no control anywhere', async () => {
    const page = await open(TOKENS.viewer);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('viewer');
    for (const id of ['shop', 'web', 'api']) await page.locator(`li[data-entity="${id}"]`).first().waitFor();
    const tree = await apiGet<{ children: Array<{ id: string; state: string }> }>(server, TOKENS.viewer, '/entities');
    const web = tree.children.find((c) => c.id === 'web');
    expect(await page.locator('li[data-entity="web"] > .node').textContent()).toContain(web?.state);
    // filter: only matches and their ancestors stay
    await page.getByLabel('Filter').fill('api');
    await expect.poll(() => page.locator('li[data-entity="web"]').count()).toBe(0);
    expect(await page.locator('li[data-entity="api"]').count()).toBe(1);
    await page.getByLabel('Filter').fill('');
    expect(await page.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await page.getByRole('link', { name: 'web', exact: true }).click();
    await page.locator('tr[data-sensor="cpu.mean"]').waitFor();
    await page.locator('article[data-policy="web/autoscaler"]').waitFor();
    expect(await page.locator('main').getByRole('button').count()).toBe(0);
    expect(await page.getByText('Invoke resize').count()).toBe(0);
    expect(await page.locator('form.schema-form').count()).toBe(0);
    await page.screenshot({ path: path.join(shots, 'entity-viewer-laptop.png'), fullPage: true });
    expect(pageProblems(page)).toEqual([]);
  });

  it('shows an entity with current sensor values, staleness and sparklines of recent history', async () => {
    const page = await open(TOKENS.operator);
    await page.goto(`${server.url}/ui/#/entity/web`);
    const row = page.locator('tr[data-sensor="cpu.mean"]');
    await row.waitFor();
    await expect.poll(() => row.locator('svg.sparkline').count(), { timeout: 15_000 }).toBe(1);
    expect(await row.locator('td.value').textContent()).toMatch(/^\d/);
    expect(await row.textContent()).toMatch(/\d+ s ago/);
    expect(await row.locator('svg.sparkline').getAttribute('aria-label')).toMatch(/cpu\.mean: \d+ readings, min/);
  });

  it('shows a decision made by a loop as it happens', async () => {
    const page = await open(TOKENS.operator);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
    await page.locator('li[data-decision]').first().waitFor();
    const before = new Set(await rowIds(page));
    await expect.poll(async () => (await rowIds(page)).filter((id) => !before.has(id)).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const fresh = (await rowIds(page)).find((id) => !before.has(id)) ?? '';
    const decision = await apiGet<{ reason: string; policy: string }>(server, TOKENS.operator, `/decisions/${encodeURIComponent(fresh)}`);
    const row = page.locator(`li[data-decision="${fresh}"]`);
    expect(await row.locator('.reason').textContent()).toBe(decision.reason);
    expect(await row.textContent()).toMatch(/analyze [\d.]+ ms, plan [\d.]+ ms, execute [\d.]+ ms/);
    // the detail view: actions, durations, invocation records from the audit log
    await row.getByRole('link', { name: decision.policy }).click();
    await page.getByRole('heading', { name: 'Invocation records' }).waitFor();
    expect(await page.locator('.reason').textContent()).toBe(decision.reason);
    // an applied decision lists one invocation record per action, with the action's params
    const applied = (await apiGet<Array<{ id: string; actions: Array<{ params?: unknown }> }>>(server, TOKENS.operator, '/decisions?policy=web%2Fautoscaler&outcome=applied&limit=1'))[0];
    expect(applied).toBeDefined();
    await page.goto(`${server.url}/ui/#/decision/${encodeURIComponent(applied?.id ?? '')}`);
    const records = page.locator('li[data-record]');
    await expect.poll(() => records.count()).toBe(applied?.actions.length);
    expect(await records.first().textContent()).toContain(JSON.stringify(applied?.actions[0]?.params));
    await page.screenshot({ path: path.join(shots, 'decision-laptop.png'), fullPage: true });
  });

  it('filters decisions by subtree, policy and outcome', async () => {
    const page = await open(TOKENS.operator);
    await page.goto(`${server.url}/ui/#/decisions?subtree=api`);
    await page.getByLabel('Subtree').waitFor();
    await expect.poll(() => page.getByLabel('Subtree').inputValue()).toBe('api');
    const entities = await page.locator('li[data-decision] .line .muted').allTextContents();
    for (const e of entities) expect(e).toBe('on api');
    await page.getByLabel('Subtree').selectOption('');
    await page.getByLabel('Outcome').selectOption('applied');
    await expect.poll(() => page.locator('li[data-decision]').count(), { timeout: 15_000 }).toBeGreaterThan(0);
    for (const o of await page.locator('li[data-decision]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')))) expect(o).toBe('applied');
    await page.getByLabel('Policy').selectOption('web/autoscaler');
    expect(page.url()).toContain('policy=web%2Fautoscaler');
  });

  it('lets an operator suspend a policy after a confirmation; the next decision is suspended and audited', async () => {
    const page = await open(TOKENS.operator);
    await page.goto(`${server.url}/ui/#/entity/web`);
    const card = page.locator('article[data-policy="web/autoscaler"]');
    await card.getByRole('button', { name: 'Suspend' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByRole('heading').textContent()).toBe('Suspend web/autoscaler?');
    await dialog.getByRole('button', { name: 'Suspend' }).click();
    await expect.poll(() => card.locator('.badge').allTextContents()).toContain('suspended');
    expect(await card.getByRole('button', { name: 'Resume' }).count()).toBe(1);
    // the next decision of that policy that would act is recorded as suspended, and shows up live
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await page.getByLabel('Outcome').selectOption('suspended');
    await page.locator('li[data-decision][data-outcome="suspended"]').first().waitFor({ timeout: 45_000 });
    await page.screenshot({ path: path.join(shots, 'decisions-laptop.png'), fullPage: false });
    await page.getByRole('link', { name: 'Audit' }).click();
    const entry = page.locator('tr[data-audit="suspend"]').first();
    await entry.waitFor();
    expect(await entry.textContent()).toContain('otto');
    expect(await entry.textContent()).toContain('web/autoscaler');
    await page.screenshot({ path: path.join(shots, 'audit-laptop.png') });
    // resume for the other tests
    await page.goto(`${server.url}/ui/#/entity/web`);
    await card.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => card.locator('.badge').allTextContents()).not.toContain('suspended');
  }, 90_000);

  it('rejects a bad effector param at its field, and invokes with a good one', async () => {
    const page = await open(TOKENS.operator);
    await page.goto(`${server.url}/ui/#/entity/api`);
    const effector = page.locator('article[data-effector="resize"]');
    await effector.locator('summary').click();
    const size = effector.getByLabel('size');
    await size.fill('-3');
    await effector.getByRole('button', { name: 'Invoke resize' }).click();
    await expect.poll(() => effector.locator('#effector-resize-size-error').textContent()).toBe('size must be at least 0');
    expect(await size.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await size.fill('2.5');
    await effector.getByRole('button', { name: 'Invoke resize' }).click();
    await expect.poll(() => effector.locator('#effector-resize-size-error').textContent()).toBe('size must be a whole number');
    await size.fill('2');
    await effector.getByRole('button', { name: 'Invoke resize' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Invoke resize' }).click();
    await expect.poll(() => effector.getByRole('status').textContent(), { timeout: 15_000 }).toContain('resize succeeded');
    expect(await effector.locator('.field.invalid').count()).toBe(0);
    const audit = await apiGet<Array<{ action: string; who: { name: string }; params: unknown; target: string }>>(server, TOKENS.operator, '/audit?limit=50');
    expect(audit.find((e) => e.action === 'invoke resize' && e.who.name === 'otto')).toMatchObject({ target: 'api', params: { size: 2 } });
    await page.screenshot({ path: path.join(shots, 'effector-laptop.png'), fullPage: true });
  });

  it('shows a scoped operator only their subtree', async () => {
    const page = await open(TOKENS.scoped);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('operator of api');
    await page.locator('li[data-entity="api"]').waitFor();
    expect(await page.locator('li[data-entity="web"]').count()).toBe(0);
    expect(await page.locator('li[data-entity="shop"]').count()).toBe(0);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await page.getByLabel('Subtree').waitFor();
    await expect.poll(() => page.locator('li[data-decision]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    for (const e of await page.locator('li[data-decision] .line .muted').allTextContents()) expect(e).toBe('on api');
    await page.goto(`${server.url}/ui/#/entity/api`);
    await page.locator('article[data-policy="api/autoscaler"]').getByRole('button', { name: 'Suspend' }).waitFor();
    // an operator is not an admin: the config is shown, not editable
    await page.getByText('Config').first().click();
    await page.locator('article[data-policy="api/autoscaler"] pre').waitFor();
    expect(await page.getByRole('button', { name: 'Save config' }).count()).toBe(0);
  });

  it('misses no decision when the stream reconnects (Last-Event-ID)', async () => {
    const page = await open(TOKENS.operator);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
    await page.getByRole('button', { name: 'Pause live' }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('paused');
    const resumedFrom: string[] = [];
    page.on('request', (r) => r.url().includes('/stream?') && resumedFrom.push(r.headers()['last-event-id'] ?? 'none'));
    const shown = new Set(await rowIds(page));
    // wait until the server has made decisions the page has not seen
    let missed: string[] = [];
    await expect.poll(async () => {
      const recent = await apiGet<Array<{ id: string }>>(server, TOKENS.operator, '/decisions?limit=100');
      missed = recent.map((d) => d.id).filter((id) => !shown.has(id));
      return missed.length;
    }, { timeout: 30_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    expect(new Set(await rowIds(page))).toEqual(shown);
    await page.getByRole('button', { name: 'Resume live' }).click();
    await expect.poll(async () => {
      const now = new Set(await rowIds(page));
      return missed.filter((id) => !now.has(id));
    }, { timeout: 15_000 }).toEqual([]);
    // it resumed from the last event it had (Last-Event-ID), not from scratch
    expect(resumedFrom).toHaveLength(1);
    expect(resumedFrom[0]).toMatch(/^\d+$/);
  }, 60_000);

  it('lets an admin edit a policy config, checked against its schema at the field', async () => {
    const page = await open(TOKENS.admin);
    await page.goto(`${server.url}/ui/#/entity/api`);
    const card = page.locator('article[data-policy="api/autoscaler"]');
    await card.getByText('Config (edit)').click();
    const max = card.locator('#config-api-autoscaler-max');
    await max.waitFor();
    expect(await max.inputValue()).toBe('4');
    await max.fill('0');
    await card.getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => card.locator('#config-api-autoscaler-max-error').textContent()).toBe('max must be at least 1');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await card.locator('#config-api-autoscaler-scaleDown').fill('{"stabilization": ');
    await card.getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => card.locator('#config-api-autoscaler-scaleDown-error').textContent()).toBe('scaleDown is not valid JSON');
    await card.locator('#config-api-autoscaler-scaleDown').fill('{"stabilization": "1s"}');
    await max.fill('5');
    await card.getByRole('button', { name: 'Save config' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Save config' }).click();
    await expect.poll(() => card.getByRole('status').textContent()).toBe('config saved');
    const policy = await apiGet<{ config: { max: number } }>(server, TOKENS.admin, `/policies/${encodeURIComponent('api/autoscaler')}`);
    expect(policy.config.max).toBe(5);
  });

  it('replays a simulate --json report: the chart and the decision timeline together', async () => {
    const result = spawnSync(process.execPath, [path.join(root, 'bin/homeostat.js'), 'simulate', 'examples/swim/swim-reactive.yaml', '--trace', 'examples/traces/wc_day53-r0-105m-l70.delta', '--json', '--seed', '5'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const file = path.join(shots, 'report.json');
    writeFileSync(file, result.stdout);
    const report = JSON.parse(result.stdout) as { timeline: Array<{ reason: string }>; decisions: { total: number } };
    const page = await open(TOKENS.viewer);
    await page.getByRole('link', { name: 'Replay' }).click();
    await page.getByLabel(/Report/).setInputFiles(file);
    await expect.poll(() => page.getByTestId('replay-summary').textContent()).toContain(`${report.decisions.total} decisions`);
    expect(await page.locator('svg.replay-chart circle.dot').count()).toBe(report.timeline.length);
    expect(await page.locator('.timeline tbody tr').count()).toBe(report.timeline.length);
    await page.locator('svg.replay-chart circle.dot').nth(3).click();
    expect(await page.locator('.timeline tr.selected').textContent()).toContain(report.timeline[3]?.reason);
    await page.screenshot({ path: path.join(shots, 'replay-laptop.png'), fullPage: true });
    // not a report: says what is missing
    const bad = path.join(shots, 'not-a-report.json');
    writeFileSync(bad, '{"hello":1}');
    await page.getByLabel(/Report/).setInputFiles(bad);
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('missing blueprint');
  }, 60_000);

  it('reads on a laptop and on a phone, with labelled controls and AA contrast', async () => {
    for (const [name, viewport] of [['laptop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]] as const) {
      const page = await open(TOKENS.admin, viewport);
      for (const [view, ready] of [['tree', 'li[data-entity="web"]'], ['entity/web', 'tr[data-sensor="cpu.mean"]'], ['decisions', 'li[data-decision]'], ['audit', 'tr[data-audit]']] as const) {
        await page.goto(`${server.url}/ui/#/${view}`);
        await page.locator(ready).first().waitFor({ timeout: 20_000 });
        if (view === 'entity/web') {
          await expect.poll(() => page.locator('svg.sparkline').count(), { timeout: 15_000 }).toBeGreaterThan(2);
          await page.screenshot({ path: path.join(shots, `entity-web-top-${name}.png`) });
          await page.locator('article[data-effector="resize"] summary').click();
        }
        // nothing wider than the screen but the tables and the chart, which scroll in their own box
        const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
        expect(overflow, `${view} on a ${name}`).toBeLessThanOrEqual(0);
        expect(await checkAccessibility(page), `${view} on a ${name}`).toEqual([]);
        await page.screenshot({ path: path.join(shots, `${view.replace('/', '-')}-${name}.png`), fullPage: name === 'phone' && view.startsWith('entity') });
      }
      // the keyboard reaches the navigation: skip link first, then the views
      await page.goto(`${server.url}/ui/#/tree`);
      await page.reload();
      await page.locator('li[data-entity="web"]').waitFor();
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
      await page.keyboard.press('Tab');
      expect(await page.evaluate('document.activeElement?.textContent')).toBe('Tree');
      expect(pageProblems(page)).toEqual([]);
    }
  }, 90_000);
});
