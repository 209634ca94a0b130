import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { BlueprintError } from '../../src/blueprint/problems.js';
import { scenario } from './helpers.js';

const node = JSON.stringify(process.execPath);
const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/**
 * Site a fails; the DR runbook rotates the database password (a program writes a new one to the file)
 * and then restarts the service on site b, whose start program records the password it was given.
 */
const sites = (dir: string, rotateSecret: string, writer: string) => `
name: rotate
application:
  id: shop
  quorum: { from: children, rule: atLeastOne }
  children:
    - id: site-a
      quorum: { from: children, rule: all }
      children:
        - { id: web-a, type: sim.server, config: { bootTime: 0 } }
    - id: site-b
      children:
        - id: web-b
          type: sim.server
          config: { bootTime: 0 }
          effectors:
            - { name: rotate-password, kind: exec, argv: [${node}, -e, ${JSON.stringify(writer)}] }
            - name: start
              kind: exec
              argv: [${node}, -e, "require('fs').writeFileSync(process.argv[1], process.env.DB_PASSWORD)", --, ${JSON.stringify(path.join(dir, 'seen'))}]
              env: { DB_PASSWORD: { secret: { file: ${JSON.stringify(path.join(dir, 'password'))} } } }
  policies:
    - use: disaster-recovery
      config:
        site: site-a
        failureDelay: 30s
        recoveryDelay: 30s
        runbook:
          - { id: rotate, entity: web-b, effector: rotate-password, rotateSecret: ${rotateSecret} }
          - { id: restart, entity: web-b, effector: start, after: [rotate] }
`;

async function prepared(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'homeostat-rotate-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'password'), 'old-password-1111\n');
  return dir;
}

describe('a rotateSecret runbook step', () => {
  it('rotates the secret file before the restart, and the restarted program gets the new value', async () => {
    const dir = await prepared();
    const file = path.join(dir, 'password');
    const run = await scenario(sites(dir, `{ secret: { file: ${JSON.stringify(file)} } }`, `require('fs').writeFileSync(${JSON.stringify(file)}, 'new-password-' + process.pid + '\\n')`));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    // the runbook starts 30 s after the failure; its programs then run in real time, the clock standing still
    for (let t = 0; t < 40; t += 1) await run.clock.advanceBy(1_000);
    await vi.waitFor(async () => {
      const [decision] = await run.deployment.knowledge.queryDecisions({});
      expect(decision?.outcome, decision?.error?.message).toBe('applied');
    }, { timeout: 15_000, interval: 50 });
    const rotated = (await readFile(file, 'utf8')).trim();
    expect(rotated).toMatch(/^new-password-\d+$/);
    expect(await readFile(path.join(dir, 'seen'), 'utf8')).toBe(rotated);
    const stored = JSON.stringify(await run.deployment.knowledge.queryDecisions({}));
    expect(stored).not.toContain(rotated);
  });

  it('fails the step, and does not restart, when the effector left the secret as it was', async () => {
    const dir = await prepared();
    const file = path.join(dir, 'password');
    const run = await scenario(sites(dir, `{ secret: { file: ${JSON.stringify(file)} } }`, 'process.exit(0)'));
    await run.clock.advanceBy(10_000);
    run.fail('site-a');
    // the runbook starts 30 s after the failure; its programs then run in real time, the clock standing still
    for (let t = 0; t < 40; t += 1) await run.clock.advanceBy(1_000);
    await vi.waitFor(async () => {
      const [decision] = await run.deployment.knowledge.queryDecisions({});
      expect(decision?.outcome).toBe('failed');
      expect(decision?.error?.message).toContain(`secret file ${file} still holds the value it had before the rotation`);
    }, { timeout: 15_000, interval: 50 });
    await expect(readFile(path.join(dir, 'seen'), 'utf8')).rejects.toThrow('ENOENT');
  });

  it('validate refuses a rotateSecret on an environment variable or an inline value, with positions', async () => {
    const dir = await prepared();
    for (const [source, message] of [['{ secret: { env: DB_PASSWORD } }', 'an environment variable cannot change'], ['"inline-value"', 'a secret is never written in the blueprint']] as const) {
      const error = await parseBlueprint(sites(dir, source, 'process.exit(0)'), 'rotate.yaml').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BlueprintError);
      const lines = (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^\\d+:\\d+: runbook\\.0\\.rotateSecret: .*${message}`)));
    }
  });

  it('validate refuses a malformed secret reference in a step\'s params, with its position', async () => {
    const dir = await prepared();
    const yaml = sites(dir, `{ secret: { file: ${JSON.stringify(path.join(dir, 'password'))} } }`, 'process.exit(0)').replace('effector: start, after: [rotate]', 'effector: start, after: [rotate], params: { token: { secret: { vault: db/password } } }');
    const error = await parseBlueprint(yaml, 'rotate.yaml').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlueprintError);
    const lines = (error as BlueprintError).problems.map((p) => `${p.line}:${p.col}: ${p.message}`);
    expect(lines).toContainEqual(expect.stringMatching(/^\d+:\d+: runbook\.1\.params\.token\.secret: a secret is never written in the blueprint: give \{ secret: \{ env: VARIABLE \} \}/));
  });
});
