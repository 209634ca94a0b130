// The web console in a real browser (Debian's chromium through playwright-core) against a real
// `homeostat run --port`: how it is served, who sees what (viewer, scoped operator, admin), and how it
// reads on a laptop and a phone.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkAccessibility } from './accessibility.js';
import { apiGet, pageProblems, root, TOKENS } from './console-fixture.js';
import { shots, useConsoleHarness } from './console-harness.js';

const h = useConsoleHarness();

describe('the console: serving, roles and layout', () => {
  it('is served by the plugin from the built files only, under a CSP that allows no other origin', async () => {
    const redirect = await fetch(`${h.server.url}/ui`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/ui/');
    const index = await fetch(`${h.server.url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    expect(html).not.toMatch(/https?:\/\//);
    const script = await fetch(`${h.server.url}/ui/main.js`);
    expect(script.headers.get('content-type')).toContain('text/javascript');
    const body = await script.text();
    expect(body).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    expect((await fetch(`${h.server.url}/ui/..%2Fpackage.json`)).status).toBe(404);
    // the bundle stays small: report it, and fail when it grows past a budget
    const css = readFileSync(path.join(root, 'dist/ui/styles.css'));
    const sizes = { js: body.length, jsGzip: gzipSync(body).length, css: css.length, cssGzip: gzipSync(css).length };
    writeFileSync(path.join(shots, 'bundle-size.json'), JSON.stringify(sizes, null, 2));
    console.log(`console bundle: main.js ${sizes.js} B (${sizes.jsGzip} B gzip), styles.css ${sizes.css} B (${sizes.cssGzip} B gzip)`);
    expect(sizes.jsGzip).toBeLessThan(40_000);
  });

  it('refuses a bad token at the login', async () => {
    const context = await h.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${h.server.url}/ui`);
    await page.getByLabel('API token').fill('not-a-token-at-all-000');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused');
    await context.close();
  });

  it('shows a viewer the tree with state and health, live, and no control anywhere', async () => {
    const page = await h.open(TOKENS.viewer);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('viewer');
    for (const id of ['shop', 'web', 'api']) await page.locator(`li[data-entity="${id}"]`).first().waitFor();
    const tree = await apiGet<{ children: Array<{ id: string; state: string }> }>(h.server, TOKENS.viewer, '/entities');
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

  it('shows a scoped operator only their subtree', async () => {
    const page = await h.open(TOKENS.scoped);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('operator of api');
    await page.locator('li[data-entity="api"]').waitFor();
    expect(await page.locator('li[data-entity="web"]').count()).toBe(0);
    expect(await page.locator('li[data-entity="shop"]').count()).toBe(0);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await page.getByLabel('Subtree').waitFor();
    await expect.poll(() => page.locator('li[data-decision]').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    for (const e of await page.locator('li[data-decision] .line .muted').allTextContents()) expect(e).toBe('on api');
    await page.goto(`${h.server.url}/ui/#/entity/api`);
    await page.locator('article[data-policy="api/autoscaler"]').getByRole('button', { name: 'Suspend' }).waitFor();
    // an operator is not an admin: the config is shown, not editable
    await page.getByText('Config').first().click();
    await page.locator('article[data-policy="api/autoscaler"] pre').waitFor();
    expect(await page.getByRole('button', { name: 'Save config' }).count()).toBe(0);
  });

  it('lets an admin edit a policy config, checked against its schema at the field', async () => {
    const page = await h.open(TOKENS.admin);
    await page.goto(`${h.server.url}/ui/#/entity/api`);
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
    const policy = await apiGet<{ config: { max: number } }>(h.server, TOKENS.admin, `/policies/${encodeURIComponent('api/autoscaler')}`);
    expect(policy.config.max).toBe(5);
  });

  it('reads on a laptop and on a phone, with labelled controls and AA contrast', async () => {
    for (const [name, viewport] of [['laptop', { width: 1366, height: 768 }], ['phone', { width: 390, height: 844 }]] as const) {
      const page = await h.open(TOKENS.admin, viewport);
      for (const [view, ready] of [['tree', 'li[data-entity="web"]'], ['entity/web', 'tr[data-sensor="cpu.mean"]'], ['decisions', 'li[data-decision]'], ['audit', 'tr[data-audit]']] as const) {
        await page.goto(`${h.server.url}/ui/#/${view}`);
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
      await page.goto(`${h.server.url}/ui/#/tree`);
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
