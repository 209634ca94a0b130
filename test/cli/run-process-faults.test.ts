// `homeostat run` as a real process, with a policy module that does what no loop can catch: its own timer
// throws (an uncaught exception), or it leaves a promise rejection nobody handles. Node would end the process
// with its raw dump and no log line; the run logs each as an ERROR line, stops in order on the first (exit 1),
// and goes on after the second.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const fixtures = path.join(repoRoot, 'test/cli/fixtures');

/** The JSON log lines of stdout. */
function logLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('homeostat run with a policy module that fails outside its loop', () => {
  it('logs an uncaught exception with its stack, stops in order, and exits with 1', async () => {
    const command = startCommand(bin, ['run', path.join(fixtures, 'timer-throws.yaml'), '--log-format', 'json'], { cwd: repoRoot });
    const end = await command.ended(60_000);
    expect(end).toEqual({ code: 1, signal: null });
    const lines = logLines(command.stdout());
    const uncaught = lines.find((line) => String(line['msg']).startsWith('uncaught exception, stopping: timer boom from a policy module'));
    expect(uncaught).toMatchObject({ level: 50 });
    // the stack names the module's file
    expect(String(uncaught?.['stack'])).toContain(path.join(fixtures, 'modules/timer-throws.ts'));
    // the orderly stop, as on SIGTERM
    const messages = lines.map((line) => String(line['msg']));
    expect(messages.slice(messages.indexOf(String(uncaught?.['msg'])) + 1)).toEqual([
      'stopping (grace 10 s)',
      expect.stringMatching(/^an uncaught exception stopped the run: timer boom from a policy module \(at .*timer-throws\.ts:\d+:\d+\)\)$/),
      // the stop itself was clean (as after an `until` that failed): effectors, knowledge and the hold let go
      'stopped cleanly after 0 decisions',
    ]);
    // explained on stderr, with no raw dump of Node's
    expect(command.stderr().trim().split('\n')).toEqual([expect.stringMatching(/^homeostat: an uncaught exception stopped the run: timer boom from a policy module \(at .*timer-throws\.ts:\d+:\d+\)\)$/)]);
  }, 90_000);

  it('logs an unhandled rejection and keeps running until SIGTERM', async () => {
    const command = startCommand(bin, ['run', path.join(fixtures, 'unhandled-rejection.yaml'), '--log-format', 'json'], { cwd: repoRoot });
    const line = await command.lineOf('stdout', (l) => l.includes('unhandled promise rejection'), 60_000);
    const logged = JSON.parse(line) as Record<string, unknown>;
    expect(logged).toMatchObject({ level: 50, msg: expect.stringMatching(/^unhandled promise rejection \(the run goes on\): a rejection nobody handles \(at .*unhandled-rejection\.ts:\d+:\d+\)\)$/) });
    expect(String(logged['stack'])).toContain(path.join(fixtures, 'modules/unhandled-rejection.ts'));
    expect(command.child.exitCode).toBeNull();

    command.child.kill('SIGTERM');
    expect(await command.ended(60_000)).toEqual({ code: 0, signal: null });
    expect(logLines(command.stdout()).map((l) => String(l['msg'])).slice(-2)).toEqual(['stopping (grace 10 s)', 'stopped cleanly after 0 decisions']);
    expect(command.stderr()).toBe('');
  }, 90_000);
});
