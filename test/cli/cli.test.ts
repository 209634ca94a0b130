import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const bin = path.join(root, 'bin/homeostat.js');

/** Runs the real CLI; `interruptOn` sends SIGINT once stdout contains the text. */
function cli(args: string[], interruptOn?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (interruptOn && !interrupted && stdout.includes(interruptOn)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('homeostat CLI', () => {
  it('validate exits 0 on a valid blueprint', async () => {
    const result = await cli(['validate', 'examples/web-shop.yaml']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("valid blueprint 'web-shop'");
  });

  it('validate exits 1 and prints every problem as file:line:col: message, never a stack trace', async () => {
    const result = await cli(['validate', 'test/blueprint/fixtures/bad.yaml']);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(9);
    for (const line of lines) expect(line).toMatch(/^test\/blueprint\/fixtures\/bad\.yaml:\d+:\d+: \S/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('validate reports a missing file the same way', async () => {
    const result = await cli(['validate', 'nope.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('nope.yaml:1:1: cannot read the blueprint: no such file');
  });

  it('run logs structured lines, decides, and stops cleanly on SIGINT', async () => {
    // one server under 60 req/s of 25 req/s capacity: the autoscaler plans at its first evaluation
    const result = await cli(['run', 'test/cli/fixtures/quick.yaml', '--dry-run'], '"outcome":"dry_run"');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]?.['msg']).toContain("running 'quick'");
    const decision = lines.find((l) => l['outcome'] === 'dry_run');
    expect(decision).toMatchObject({ policy: 'web/autoscaler', entity: 'web', symptom: 'scale' });
    expect(String(decision?.['msg'])).toMatch(/^web\/autoscaler dry_run: resize\(web \{"size":\d+\}\) because cpu\.mean is/);
    // the last two lines, whose order on a pipe is not fixed (the stop can finish before the line that announced
    // it is flushed): the signal taken, and a clean stop that counts the decisions
    const last = lines.slice(-2).map((l) => String(l['msg']));
    expect(last).toEqual(expect.arrayContaining([expect.stringMatching(/^stopping \(grace 10 s\)$/), expect.stringMatching(/^stopped cleanly after \d+ decisions?$/)]));
    const stopped = lines.find((l) => /^stopped cleanly/.test(String(l['msg'])));
    expect(Number(stopped?.['decisions'])).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('run refuses an invalid blueprint with exit 1', async () => {
    const result = await cli(['run', 'test/blueprint/fixtures/bad.yaml']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("bad.yaml:8:7: unknown key 'colour'");
  });

  it('gives a usage error (exit 2) for an unknown command', async () => {
    const result = await cli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });
});
