import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunLogger, formatHumanLine, humanDestination, logShowsOnStderrTerminal, resolveLogFormat, terminalOf } from '../../src/cli/log-format.js';
import { logDecision } from '../../src/cli/decision-log.js';
import type { Decision } from '../../src/knowledge/decision.js';

const root = path.resolve(import.meta.dirname, '../..');

function hhmmss(epochMs: number): string {
  const d = new Date(epochMs);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

const decision = {
  id: 'd-1',
  at: 0,
  entity: 'web',
  policy: 'web/autoscaler',
  symptom: { kind: 'scale', at: 0, detail: {} },
  actions: [{ entity: 'web', effector: 'resize', params: { size: 4 } }],
  reason: 'cpu.mean is 1 against a target of 0.6 per member',
  inputs: [],
  outcome: 'applied',
  durations: { analyzeMs: 0, planMs: 0, executeMs: 1 },
} as unknown as Decision;

/** Logs through the real logger of `homeostat run` and returns what it wrote. */
function logged(format: 'json' | 'human', log: (logger: ReturnType<typeof createRunLogger>) => void): string[] {
  const out: string[] = [];
  const logger = createRunLogger(format, (text) => out.push(text));
  log(logger);
  return out.join('').split('\n').filter((l) => l !== '');
}

describe('log format of homeostat run', () => {
  it('is human on a terminal and JSON on a pipe, unless asked', () => {
    expect(resolveLogFormat(undefined, true)).toBe('human');
    expect(resolveLogFormat(undefined, false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('human', false)).toBe('human');
  });

  it('writes a decision as one human line: time, policy, outcome, actions and the reason as a sentence', () => {
    const [line, ...rest] = logged('human', (logger) => logDecision(logger, decision));
    expect(rest).toEqual([]);
    expect(line).toMatch(/^\d\d:\d\d:\d\d web\/autoscaler applied: resize\(web \{"size":4\}\) because cpu\.mean is 1 against a target of 0\.6 per member$/);
  });

  it('writes the same decision as one JSON object with the reason as a field', () => {
    const [line] = logged('json', (logger) => logDecision(logger, decision));
    const record = JSON.parse(line ?? '') as Record<string, unknown>;
    expect(record).toMatchObject({ policy: 'web/autoscaler', outcome: 'applied', reason: decision.reason, service: 'homeostat' });
    expect(record['msg']).toBe('web/autoscaler applied: resize(web {"size":4}) because cpu.mean is 1 against a target of 0.6 per member');
  });

  it('says why a failed decision failed, in the human line and in the JSON message', () => {
    const failed = { ...decision, outcome: 'failed', detail: "step 'step-1' failed: entity 'web' has no effector 'teleport'" } as unknown as Decision;
    const why = "resize(web {\"size\":4}) because cpu.mean is 1 against a target of 0.6 per member; it failed: step 'step-1' failed: entity 'web' has no effector 'teleport'";
    expect(logged('human', (logger) => logDecision(logger, failed))).toEqual([expect.stringMatching(/^\d\d:\d\d:\d\d WARN web\/autoscaler failed: /)]);
    expect(logged('human', (logger) => logDecision(logger, failed))[0]?.endsWith(why)).toBe(true);
    const record = JSON.parse(logged('json', (logger) => logDecision(logger, failed))[0] ?? '') as Record<string, unknown>;
    expect(record['msg']).toBe(`web/autoscaler failed: ${why}`);
  });

  it('formats a decision not to act without an empty action list, and marks warnings and errors', () => {
    const at = Date.UTC(2026, 0, 2, 3, 4, 5);
    expect(formatHumanLine({ time: at, level: 30, policy: 'db/failover', outcome: 'blocked', reason: 'a failover ran 2 min ago', actions: [] })).toBe(`${hhmmss(at)} db/failover blocked: a failover ran 2 min ago`);
    expect(formatHumanLine({ time: at, level: 50, msg: 'policy p failed in plan: boom' })).toBe(`${hhmmss(at)} ERROR policy p failed in plan: boom`);
    // a reason quoting a reading from outside (an HTTP sensor's string) cannot drive the terminal
    expect(formatHumanLine({ time: at, level: 30, policy: 'web/guard', outcome: 'applied', reason: 'status \u001b[2Jdown\u0007', actions: [] })).toBe(`${hhmmss(at)} web/guard applied: status \\x1b[2Jdown\\x07`);
    expect(formatHumanLine({ time: at, level: 40, msg: 'rejected reading' })).toBe(`${hhmmss(at)} WARN rejected reading`);
    expect(formatHumanLine({ time: at, level: 30, msg: 'first\n  second' })).toBe(`${hhmmss(at)} first second`);
  });

  it('never loses a line it cannot parse', () => {
    const out: string[] = [];
    humanDestination((l) => out.push(l)).write('not json\n');
    expect(out).toEqual(['not json\n']);
  });

  it('--log-format human makes run print human lines on a pipe; a bad value is a usage error', async () => {
    const run = (args: string[], stopOn?: RegExp) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), ...args], { cwd: root });
        let stdout = '';
        let stderr = '';
        let interrupted = false;
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stopOn && !interrupted && stopOn.test(stdout)) {
            interrupted = true; // once: a second SIGINT would find no handler left
            child.kill('SIGINT');
          }
        });
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    const human = await run(['run', 'test/cli/fixtures/quick.yaml', '--dry-run', '--log-format', 'human'], /web\/autoscaler dry_run: /);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d running 'quick': /);
    expect(lines.find((l) => l.includes('dry_run'))).toMatch(/^\d\d:\d\d:\d\d web\/autoscaler dry_run: resize\(web \{"size":\d+\}\) because cpu\.mean is /);
    for (const line of lines) expect(line.startsWith('{')).toBe(false);
    const bad = await run(['run', 'test/cli/fixtures/quick.yaml', '--log-format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("argument 'xml' is invalid");
  }, 60_000);
});

describe('logShowsOnStderrTerminal', () => {
  it('is true only for human lines on the very terminal stderr is on', () => {
    expect(logShowsOnStderrTerminal('human', 34816, 34816)).toBe(true);
    expect(logShowsOnStderrTerminal('json', 34816, 34816)).toBe(false);
    expect(logShowsOnStderrTerminal('human', 34816, 34817)).toBe(false);
    expect(logShowsOnStderrTerminal('human', undefined, 34816)).toBe(false);
    expect(logShowsOnStderrTerminal('human', undefined, undefined)).toBe(false);
  });

  it('finds no terminal behind a file or a closed descriptor', () => {
    const fd = openSync(import.meta.filename, 'r');
    try {
      expect(terminalOf(fd)).toBeUndefined();
    } finally {
      closeSync(fd);
    }
    expect(terminalOf(987_654)).toBeUndefined();
  });
});
