// The web console in a real browser (Debian's chromium through playwright-core) against a real
// `homeostat run --port`: live sensors and decisions, the operator's controls, reconnects, and replay.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiGet, root, TOKENS } from './console-fixture.js';
import { rowIds, shots, useConsoleHarness } from './console-harness.js';

const h = useConsoleHarness();

describe('the console: live views and controls', () => {
  it('shows an entity with current sensor values, staleness and sparklines of recent history', async () => {
    const page = await h.open(TOKENS.operator);
    await page.goto(`${h.server.url}/ui/#/entity/web`);
    const row = page.locator('tr[data-sensor="cpu.mean"]');
    await row.waitFor();
    await expect.poll(() => row.locator('svg.sparkline').count(), { timeout: 15_000 }).toBe(1);
    expect(await row.locator('td.value').textContent()).toMatch(/^\d/);
    expect(await row.textContent()).toMatch(/\d+ s ago/);
    expect(await row.locator('svg.sparkline').getAttribute('aria-label')).toMatch(/cpu\.mean: \d+ readings, min/);
  });

  it('shows a decision made by a loop as it happens', async () => {
    const page = await h.open(TOKENS.operator);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
    await page.locator('li[data-decision]').first().waitFor();
    const before = new Set(await rowIds(page));
    await expect.poll(async () => (await rowIds(page)).filter((id) => !before.has(id)).length, { timeout: 30_000 }).toBeGreaterThan(0);
    const fresh = (await rowIds(page)).find((id) => !before.has(id)) ?? '';
    const decision = await apiGet<{ reason: string; policy: string }>(h.server, TOKENS.operator, `/decisions/${encodeURIComponent(fresh)}`);
    const row = page.locator(`li[data-decision="${fresh}"]`);
    expect(await row.locator('.reason').textContent()).toBe(decision.reason);
    expect(await row.textContent()).toMatch(/analyze [\d.]+ ms, plan [\d.]+ ms, execute [\d.]+ ms/);
    // the detail view: actions, durations, invocation records from the audit log
    await row.getByRole('link', { name: decision.policy }).click();
    await page.getByRole('heading', { name: 'Invocation records' }).waitFor();
    expect(await page.locator('.reason').textContent()).toBe(decision.reason);
    // an applied decision lists one invocation record per action, with the action's params
    const applied = (await apiGet<Array<{ id: string; actions: Array<{ params?: unknown }> }>>(h.server, TOKENS.operator, '/decisions?policy=web%2Fautoscaler&outcome=applied&limit=1'))[0];
    expect(applied).toBeDefined();
    await page.goto(`${h.server.url}/ui/#/decision/${encodeURIComponent(applied?.id ?? '')}`);
    const records = page.locator('li[data-record]');
    await expect.poll(() => records.count()).toBe(applied?.actions.length);
    expect(await records.first().textContent()).toContain(JSON.stringify(applied?.actions[0]?.params));
    await page.screenshot({ path: path.join(shots, 'decision-laptop.png'), fullPage: true });
  });

  it('filters decisions by subtree, policy and outcome', async () => {
    const page = await h.open(TOKENS.operator);
    await page.goto(`${h.server.url}/ui/#/decisions?subtree=api`);
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
    const page = await h.open(TOKENS.operator);
    await page.goto(`${h.server.url}/ui/#/entity/web`);
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
    await page.goto(`${h.server.url}/ui/#/entity/web`);
    await card.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => card.locator('.badge').allTextContents()).not.toContain('suspended');
  }, 90_000);

  it('rejects a bad effector param at its field, and invokes with a good one', async () => {
    const page = await h.open(TOKENS.operator);
    await page.goto(`${h.server.url}/ui/#/entity/api`);
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
    const audit = await apiGet<Array<{ action: string; who: { name: string }; params: unknown; target: string }>>(h.server, TOKENS.operator, '/audit?limit=50');
    expect(audit.find((e) => e.action === 'invoke resize' && e.who.name === 'otto')).toMatchObject({ target: 'api', params: { size: 2 } });
    await page.screenshot({ path: path.join(shots, 'effector-laptop.png'), fullPage: true });
  });

  it('misses no decision when the stream reconnects (Last-Event-ID)', async () => {
    const page = await h.open(TOKENS.operator);
    await page.getByRole('link', { name: 'Decisions', exact: true }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('live');
    // it has a position in the stream (an event id) before it pauses
    // (the first decision of the harness can take a few seconds to come on a busy machine: poll, do not assume)
    await expect.poll(async () => Number(await page.getByTestId('stream-state').getAttribute('data-events')), { timeout: 15_000 }).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Pause live' }).click();
    await expect.poll(() => page.getByTestId('stream-state').textContent()).toContain('paused');
    const resumedFrom: string[] = [];
    page.on('request', (r) => r.url().includes('/stream?') && resumedFrom.push(r.headers()['last-event-id'] ?? 'none'));
    const shown = new Set(await rowIds(page));
    // wait until the server has made decisions the page has not seen
    let missed: string[] = [];
    await expect.poll(async () => {
      const recent = await apiGet<Array<{ id: string }>>(h.server, TOKENS.operator, '/decisions?limit=100');
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

  it('replays a simulate --json report: the chart and the decision timeline together', async () => {
    const result = spawnSync(process.execPath, [path.join(root, 'bin/homeostat.js'), 'simulate', 'examples/swim/swim-reactive.yaml', '--trace', 'examples/traces/wc_day53-r0-105m-l70.delta', '--json', '--seed', '5'], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(0);
    const file = path.join(shots, 'report.json');
    writeFileSync(file, result.stdout);
    const report = JSON.parse(result.stdout) as { timeline: Array<{ reason: string }>; decisions: { total: number } };
    const page = await h.open(TOKENS.viewer);
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
});
