import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { InvocationRecord } from '../../../src/effectors/invocation.js';
import { isRunning } from '../../../src/drivers/process/proc-fs.js';
import { deployEffectors } from './fixtures.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

const node = JSON.stringify(process.execPath);
/** A script that prints its arguments as JSON: what the program really received. */
const printArgs = JSON.stringify('process.stdout.write(JSON.stringify(process.argv.slice(1)))');

async function run(effectorsYaml: string, params: Record<string, unknown>): Promise<{ decision: Decision; record: InvocationRecord }> {
  const deployment = await deployEffectors(effectorsYaml, 'cmd');
  cleanup.push(() => deployment.stop());
  const records: InvocationRecord[] = [];
  deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  const decided = new Promise<Decision>((resolve) => deployment.engine.decisions$.subscribe(resolve));
  deployment.tree.get('svc').sensor('trigger').publish(params);
  const decision = await decided;
  await vi.waitFor(() => expect(records).toHaveLength(1));
  return { decision, record: records[0] as InvocationRecord };
}

const hostile = ['; rm -rf /tmp/hs-never', '$(touch /tmp/hs-never)', '`touch /tmp/hs-never`', 'line one\nline two', "it's \"quoted\" | cat > x", '--flag=value', '*', '', ' spaced  out '];

describe('exec effectors declared in a blueprint (real processes)', () => {
  it('hostile params arrive verbatim, each as exactly one argument; no shell ever reads them', async () => {
    for (const value of hostile) {
      const { decision, record } = await run(`    - { name: cmd, kind: exec, argv: [${node}, -e, ${printArgs}, --, "{{params.a}}", "--name={{params.a}}", fixed], params: { a: string } }`, { a: value });
      expect(decision.outcome, `${JSON.stringify(value)}: ${decision.error?.message}`).toBe('applied');
      const result = record.result as { stdout: string; exitCode: number };
      expect(JSON.parse(result.stdout)).toEqual([value, `--name=${value}`, 'fixed']);
    }
    expect(() => readFileSync('/tmp/hs-never')).toThrow();
  });

  it('a 1 MB string is refused by the schema (default bound); a declared larger bound passes it verbatim', async () => {
    const huge = 'x'.repeat(1024 * 1024);
    const refused = await run(`    - { name: cmd, kind: exec, argv: [${node}, -e, ${printArgs}, --, "{{params.a}}"], params: { a: string } }`, { a: huge });
    expect(refused.decision).toMatchObject({ outcome: 'failed', error: { code: 'E_VALIDATION' } });
    expect(refused.record.outcome).toBe('rejected');
    const big = `${'y'.repeat(100_000)};$(x)\n`;
    const passed = await run(`    - { name: cmd, kind: exec, maxOutput: 200000, argv: [${node}, -e, ${printArgs}, --, "{{params.a}}"], params: { a: { type: string, maxLength: 120000 } } }`, { a: big });
    expect(JSON.parse((passed.record.result as { stdout: string }).stdout)).toEqual([big]);
  });

  it('a NUL character or an undeclared param is refused before anything runs', async () => {
    const nul = await run(`    - { name: cmd, kind: exec, argv: [${node}, -e, ${printArgs}, --, "{{params.a}}"], params: { a: string } }`, { a: 'a\0b' });
    expect(nul.record).toMatchObject({ outcome: 'rejected', attempts: 0 });
    expect(nul.decision.error?.message).toContain('NUL');
    const extra = await run(`    - { name: cmd, kind: exec, argv: [${node}, -e, ${printArgs}], params: { a: string } }`, { a: 'x', b: 'y' });
    expect(extra.record.outcome).toBe('rejected');
  });

  it('the exit code decides; bounded stdout and stderr stay in the invocation record', async () => {
    const script = JSON.stringify("process.stdout.write('o'.repeat(5000)); process.stderr.write('disk full\\n'); process.exit(3)");
    const { decision, record } = await run(`    - { name: cmd, kind: exec, maxOutput: 1000, argv: [${node}, -e, ${script}] }`, {});
    expect(decision).toMatchObject({ outcome: 'failed', error: { code: 'E_EXEC_FAILED' } });
    expect(decision.error?.message).toContain('exited with 3: disk full');
    expect(record.error?.detail).toMatchObject({ exitCode: 3, stderr: 'disk full\n', truncated: { stdout: 4000, stderr: 0 } });
    expect((record.error?.detail as { stdout: string }).stdout).toHaveLength(1000);
    expect(record.attempts).toBe(1);
    const ok = await run(`    - { name: cmd, kind: exec, successCodes: [0, 3], argv: [${node}, -e, ${script}] }`, {});
    expect(ok.decision.outcome).toBe('applied');
    const retried = await run(`    - { name: cmd, kind: exec, idempotent: true, retry: { attempts: 2, delay: 10ms }, argv: [${node}, -e, ${script}] }`, {});
    expect(retried.record).toMatchObject({ outcome: 'failed', attempts: 2 });
  });

  it('env and cwd are passed; homeostat\'s own environment is not, unless asked', async () => {
    process.env['HS_SECRET_OF_HOMEOSTAT'] = 'mine';
    process.env['HS_EXEC_TOKEN'] = 'tok';
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-exec-'));
    const script = JSON.stringify('process.stdout.write(JSON.stringify([process.cwd(), process.env.MODE, process.env.TOKEN, process.env.HS_SECRET_OF_HOMEOSTAT ?? null]))');
    const { record } = await run(`    - { name: cmd, kind: exec, cwd: ${dir}, env: { MODE: "{{params.mode}}", TOKEN: { env: HS_EXEC_TOKEN } }, argv: [${node}, -e, ${script}], params: { mode: { type: string, enum: [fast, slow] } } }`, { mode: 'fast' });
    expect(JSON.parse((record.result as { stdout: string }).stdout)).toEqual([dir, 'fast', 'tok', null]);
  });

  it('on timeout a command that ignores SIGTERM is killed after killGrace, its children too', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-exec-'));
    const pidFile = path.join(dir, 'pids');
    const script = JSON.stringify(`const c = require('child_process').spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pidFile)}, process.pid + ' ' + c.pid); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)`);
    const started = performance.now();
    const { decision } = await run(`    - { name: cmd, kind: exec, timeout: 1s, killGrace: 500ms, argv: [${node}, -e, ${script}] }`, {});
    expect(decision).toMatchObject({ outcome: 'failed', error: { code: 'E_EFFECTOR_TIMEOUT' } });
    const pids = readFileSync(pidFile, 'utf8').split(' ').map(Number);
    await vi.waitFor(() => expect(pids.filter((pid) => isRunning(pid))).toEqual([]), { timeout: 5_000 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('a command that exits while a child it started in the background keeps its stdout: the exit decides at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-exec-'));
    const pidFile = path.join(dir, 'pid');
    const started = performance.now();
    const { decision, record } = await run(`    - { name: cmd, kind: exec, timeout: 20s, argv: [sh, -c, "sleep 30 & echo $! > ${pidFile}; echo started"] }`, {});
    const background = Number(readFileSync(pidFile, 'utf8'));
    cleanup.push(async () => void (isRunning(background) && process.kill(background, 'SIGKILL')));
    expect(decision.outcome, decision.error?.message).toBe('applied');
    expect(record.result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('a timeout during the wait for output after the exit signals nothing: the exit decides and what the command started lives on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-exec-'));
    const pidFile = path.join(dir, 'pid');
    // the command exits 0 at 0.7 s; its background child holds stdout, so the timeout (1 s) falls in the wait for output
    const { decision, record } = await run(`    - { name: cmd, kind: exec, timeout: 1s, killGrace: 300ms, argv: [sh, -c, "sleep 30 & echo $! > ${pidFile}; sleep 0.7; echo started"] }`, {});
    const background = Number(readFileSync(pidFile, 'utf8'));
    cleanup.push(async () => void (isRunning(background) && process.kill(background, 'SIGKILL')));
    expect(decision.outcome, decision.error?.message).toBe('applied');
    expect(record.result).toMatchObject({ exitCode: 0, stdout: 'started\n' });
    await new Promise((resolve) => setTimeout(resolve, 500)); // real processes: a SIGTERM, had one been sent, lands within this
    expect(isRunning(background)).toBe(true);
  });

  it('on timeout what the command started is killed too, also when it ignores SIGTERM and the command itself exits on it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-exec-'));
    const pidFile = path.join(dir, 'pid');
    const { decision } = await run(`    - { name: cmd, kind: exec, timeout: 500ms, killGrace: 300ms, argv: [sh, -c, "(trap '' TERM; exec sleep 30) >/dev/null 2>&1 & echo $! > ${pidFile}; sleep 30"] }`, {});
    expect(decision).toMatchObject({ outcome: 'failed', error: { code: 'E_EFFECTOR_TIMEOUT' } });
    const background = Number(readFileSync(pidFile, 'utf8'));
    cleanup.push(async () => void (isRunning(background) && process.kill(background, 'SIGKILL')));
    await vi.waitFor(() => expect(isRunning(background)).toBe(false), { timeout: 3_000 });
  });

  it('a program that cannot start says why: missing, not executable, no such cwd, arguments too large', async () => {
    const cases: Array<[string, RegExp]> = [
      [`argv: [/nonexistent/prog]`, /^svc\.cmd: cannot start \/nonexistent\/prog: ENOENT \(no such program\)$/],
      [`argv: [/etc/passwd]`, /^svc\.cmd: cannot start \/etc\/passwd: EACCES \(not executable\)$/],
      [`argv: ["true"], cwd: /nonexistent-dir`, /^svc\.cmd: cannot start true: its working directory \/nonexistent-dir does not exist$/],
      [`argv: [echo, "{{params.big}}"], params: { big: { type: string, maxLength: 3000000 } }`, /^svc\.cmd: cannot start echo: E2BIG \(its arguments and environment, \d+ bytes, are more than the system takes\)$/],
    ];
    for (const [fields, message] of cases) {
      const { decision } = await run(`    - { name: cmd, kind: exec, ${fields} }`, fields.includes('params.big') ? { big: 'x'.repeat(2_900_000) } : {});
      expect(decision, fields).toMatchObject({ outcome: 'failed', error: { code: 'E_EXEC_SPAWN' } });
      expect(decision.error?.message, fields).toMatch(message);
    }
  });
});

describe('declared effectors through the API', () => {
  it('GET shows the declared params as JSON schema; POST runs them, and refuses bad params with 400', async () => {
    const { serve } = await import('../../../src/server/serve.js');
    const deployment = await deployEffectors(`    - { name: cmd, kind: exec, description: prints its args, argv: [${node}, -e, ${printArgs}, --, "{{params.a}}"], params: { a: { type: string, maxLength: 100 }, n: { type: integer, min: 1, optional: true } } }`, 'cmd');
    cleanup.push(() => deployment.stop());
    const { app, url } = await serve(deployment, { port: 0 });
    cleanup.push(() => app.close());
    const entity = (await (await fetch(`${url}/entities/svc`)).json()) as { effectors: Array<{ name: string; params: { properties: Record<string, unknown>; required?: string[] } }> };
    const cmd = entity.effectors.find((e) => e.name === 'cmd');
    expect(cmd?.params.properties).toMatchObject({ a: { type: 'string', maxLength: 100 }, n: { type: 'integer', minimum: 1 } });
    expect(cmd?.params.required).toEqual(['a']);
    const post = (body: unknown) => fetch(`${url}/entities/svc/effectors/cmd`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await post({ a: '$(id) `id`; id' });
    expect(ok.status).toBe(200);
    expect(JSON.parse(((await ok.json()) as { result: { stdout: string } }).result.stdout)).toEqual(['$(id) `id`; id']);
    expect((await post({ a: 'x'.repeat(101) })).status).toBe(400);
    expect((await post({ a: 'x', n: 0 })).status).toBe(400);
    expect((await post({ a: 'x', rm: '-rf' })).status).toBe(400);
  });
});
