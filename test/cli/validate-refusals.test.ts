import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/homeostat.js');
const invalid = 'test/cli/fixtures/invalid';

/** Runs `homeostat validate` in a real process. */
function validate(file: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'validate', file], { cwd: root, env: { ...process.env, ...env } });
    // a validate that never exits is itself the failure: stop it (by its pid) before the test times out
    const guard = setTimeout(() => child.kill('SIGKILL'), 45_000);
    child.on('close', () => clearTimeout(guard));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Asserts exit 1 and that stderr is exactly the expected `file:line:col: message` lines, no stack trace. */
async function expectRefused(file: string, expected: ReadonlyArray<RegExp>, env: Record<string, string> = {}): Promise<void> {
  const result = await validate(file, env);
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(expected.length);
  lines.forEach((line, i) => {
    expect(line.startsWith(`${file}:`), line).toBe(true);
    expect(line.slice(file.length + 1)).toMatch(expected[i] as RegExp);
  });
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'homeostat-validate-'));
  await writeFile(path.join(scratch, 'broken-policy.ts'), "import { z } from 'zod';\n\nexport default {\n  name: 'x',\n  config: z.object({}),\n  plan: ( => 1,\n};\n");
  await writeFile(path.join(scratch, 'blueprint.yaml'), 'name: syntax\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./broken-policy.ts\n');
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe.concurrent('homeostat validate refuses blueprints that would fail or misbehave at run time', { timeout: 60_000 }, () => {
  it('duplicate policy ids', async () => {
    await expectRefused(`${invalid}/duplicate-policy-ids.yaml`, [/^12:11: duplicate policy id 'web\/replacer': the policy at line 11 has it too/]);
  });

  it('a value holding a terminal escape sequence, which is quoted escaped, not acted on', async () => {
    const file = path.join(scratch, 'escape.yaml');
    await writeFile(file, 'name: escape\napplication:\n  id: app\n  type: "sim.\\e[2J\\e]0;owned\\u0007"\n');
    const result = await validate(file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("unknown entity type 'sim.\\x1b[2J\\x1b]0;owned\\x07'");
    expect(result.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('an absurd initial size', async () => {
    await expectRefused(`${invalid}/huge-initial-size.yaml`, [/^9:30: initialSize: a group size is at most 10000 \(members\)/]);
  });

  it('a duration longer than a timer can hold', async () => {
    await expectRefused(`${invalid}/long-duration.yaml`, [/^11:38: recheckInterval: '25d' is 25 d: .*the longest a timer can wait/]);
  });

  it('effectors the target entity does not have', async () => {
    await expectRefused(`${invalid}/missing-effector.yaml`, [
      /^9:11: policy 'restarter' invokes effector 'restart' on 'box', which does not have it/,
      /^17:45: policy 'disaster-recovery' invokes effector 'promot' on 'db', which does not have it/,
    ]);
  });

  it('misspelled config keys, with a suggestion', async () => {
    await expectRefused(`${invalid}/misspelled-keys.yaml`, [/^11:21: unknown key 'maxRestart' \(did you mean 'maxRestarts'\?\)/, /^11:36: unknown key 'failureDeley' \(did you mean 'failureDelay'\?\)/]);
  });

  it('a quorum that can never hold', async () => {
    await expectRefused(`${invalid}/impossible-quorum.yaml`, [/^12:50: quorum 'at least 5 of members up' can never hold: 'pair' has 2 members/]);
  });

  it('a policy module that never finishes loading, within the configured bound', async () => {
    // the message names the bound given (1 s, not the default 10 s): the process waited that long and no longer
    await expectRefused(`${invalid}/hanging-module.yaml`, [/^7:15: policy module '.*hanging-policy\.ts': did not finish loading within 1 s/], { HOMEOSTAT_MODULE_LOAD_TIMEOUT: '1s' });
  });

  it('a policy module that throws at load', async () => {
    await expectRefused(`${invalid}/throwing-module.yaml`, [/^7:15: policy module '.*throws-at-load\.ts': threw while loading \(at .*throws-at-load\.ts:7:\d+\): A_SETTING_NOBODY_SETS is not set/]);
  });

  it('a policy module with a syntax error, saying where in the module', async () => {
    const file = path.join(scratch, 'blueprint.yaml');
    const module = path.join(scratch, 'broken-policy.ts');
    await expectRefused(file, [new RegExp(`^6:15: policy module './broken-policy.ts': syntax error at ${module.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:11: Unexpected "=>"$`)]);
  });

  it('exits with its answer even when a policy module leaves a timer running', async () => {
    const result = await validate('test/cli/fixtures/lingering-module.yaml');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("valid blueprint 'lingering-module'");
  });

  it('a module load timeout that is not a duration', async () => {
    await expectRefused(`${invalid}/hanging-module.yaml`, [/^1:1: HOMEOSTAT_MODULE_LOAD_TIMEOUT: 'soon' is not a duration/], { HOMEOSTAT_MODULE_LOAD_TIMEOUT: 'soon' });
  });
});
