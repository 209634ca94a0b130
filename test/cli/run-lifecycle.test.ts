// `homeostat run` as a real process, from this checkout's sources and as an installed bundle: it runs until
// SIGINT/SIGTERM even when its loops schedule nothing, and it ends on SIGTERM after the reader of its stdout
// has gone.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installBuiltCommand, repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');
const quick = path.join(repoRoot, 'test/cli/fixtures/quick.yaml');
const probe = path.join(repoRoot, 'test/cli/fixtures/event-loop-probe.mjs');

let scratch: string;
let builtBin: string;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'homeostat-run-lifecycle-'));
  builtBin = await installBuiltCommand(path.join(scratch, 'project'));
}, 120_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** The probe's tick count in a line `probe <n>`, else undefined. */
function probeTick(line: string): number | undefined {
  const tick = /^probe (\d+)$/.exec(line)?.[1];
  return tick === undefined ? undefined : Number(tick);
}

describe.each([
  ['from the sources', () => path.join(repoRoot, 'bin/homeostat.js')],
  ['installed (the bundle)', () => builtBin],
])('homeostat run %s', (_, bin) => {
  it('keeps running a blueprint whose loops schedule nothing until SIGTERM, then stops cleanly with 0', async () => {
    const command = startCommand(bin(), ['run', idle], { cwd: repoRoot, nodeArgs: ['--import', probe] });
    await command.lineOf('stdout', (line) => line.includes("running 'idle'"));
    // the probe's timer does not hold the process: ticks after the running line mean something else does
    // (before the fix the loop drained right after that line and Node ended the process with code 13)
    const ticksSeen = Math.max(0, ...command.stderr().split('\n').map((l) => probeTick(l) ?? 0));
    await command.lineOf('stderr', (line) => (probeTick(line) ?? 0) >= ticksSeen + 3);
    expect(command.child.exitCode).toBeNull();
    expect(command.child.signalCode).toBeNull();

    command.child.kill('SIGTERM');
    expect(await command.ended()).toEqual({ code: 0, signal: null });
    const messages = command.stdout().trim().split('\n').map((l) => String((JSON.parse(l) as Record<string, unknown>)['msg']));
    expect(messages).toEqual(["running 'idle': 2 entities, 0 policies; Ctrl-C stops", 'stopping (grace 10 s)', 'stopped cleanly after 0 decisions']);
    // nothing but the probe on stderr: no warning of an unsettled top-level await, no stack trace
    expect(command.stderr().split('\n').filter((l) => l !== '' && probeTick(l) === undefined)).toEqual([]);
  }, 60_000);

  it.each(['json', 'human'])('ends on SIGTERM, with 0, once the reader of its stdout has gone (%s log)', async (format) => {
    const command = startCommand(bin(), ['run', quick, '--dry-run', '--log-format', format], { cwd: repoRoot });
    await command.lineOf('stdout', (line) => line.includes("running 'quick'"));
    command.child.stdout.destroy();
    command.child.kill('SIGTERM');
    // the stop's own lines meet the closed pipe (EPIPE): they are dropped, and the process still ends
    expect(await command.ended(15_000)).toEqual({ code: 0, signal: null });
    expect(command.stderr()).toBe('');
  }, 60_000);
});
