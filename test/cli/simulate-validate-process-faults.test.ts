// `homeostat simulate` and `homeostat validate` as real processes, with policy modules that do what no code of
// the command can catch: their own timer throws (an uncaught exception), or they leave a promise rejection
// nobody handles. Node would end the process with its raw dump, saying nothing of the simulation or the
// blueprint; the commands tell each on stderr with the module's file, and an uncaught exception fails them.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const fixtures = path.join(repoRoot, 'test/cli/fixtures');
const wc98 = path.join(repoRoot, 'examples/traces/wc_day53-r0-105m-l70.delta');
const shortTrace = path.join(fixtures, 'three-minutes.csv');

/** The lines of a stream's text, without the empty one after the last newline. */
const linesOf = (text: string): string[] => text.split('\n').filter((line) => line !== '');

describe('homeostat simulate with a policy module that fails outside its loop', () => {
  it('stops the simulation at an uncaught exception, naming the module, prints no report and exits with 1', async () => {
    const command = startCommand(bin, ['simulate', path.join(fixtures, 'sim-timer-throws.yaml'), '--trace', wc98], { cwd: repoRoot });
    expect(await command.ended(90_000)).toEqual({ code: 1, signal: null });
    // nothing that reads as a result
    expect(command.stdout()).toBe('');
    const lines = linesOf(command.stderr());
    const module = path.join(fixtures, 'modules/sim-timer-throws.ts');
    expect(lines[0]).toMatch(/^homeostat: uncaught exception, stopping the simulation: timer boom during the simulation \(at .*sim-timer-throws\.ts:\d+:\d+\)\)$/);
    // the stack's frames as Node prints them, the first naming the module's file
    expect(lines[1]).toMatch(new RegExp(`^ {4}at .*${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+\\)?$`));
    expect(lines.at(-1)).toMatch(/^homeostat: an uncaught exception stopped the simulation: timer boom during the simulation \(at .*sim-timer-throws\.ts:\d+:\d+\)\); it had reached \d+ of 6300 simulated s; no report is printed$/);
    // no raw dump of Node's
    expect(command.stderr()).not.toContain('Node.js v');
  }, 120_000);

  it('goes on after an unhandled rejection, names the module, and says the report may be wrong', async () => {
    const command = startCommand(bin, ['simulate', path.join(fixtures, 'unhandled-rejection.yaml'), '--trace', shortTrace, '--warmup', '0'], { cwd: repoRoot });
    expect(await command.ended(90_000)).toEqual({ code: 0, signal: null });
    expect(command.stdout()).toMatch(/^simulated 180 s of three-minutes\.csv/);
    const lines = linesOf(command.stderr());
    expect(lines[0]).toMatch(/^homeostat: unhandled promise rejection \(the simulation goes on, but its report may be wrong\): a rejection nobody handles \(at .*unhandled-rejection\.ts:\d+:\d+\)\)$/);
    expect(lines[1]).toContain(path.join(fixtures, 'modules/unhandled-rejection.ts'));
    expect(lines.at(-1)).toBe('homeostat: warning: 1 unhandled promise rejection during the simulation (told above): a policy\'s work failed unobserved, so the report may be wrong');
    expect(command.stderr()).not.toContain('Node.js v');
  }, 120_000);

  it('exits with its report though a policy module leaves a timer running', async () => {
    const command = startCommand(bin, ['simulate', path.join(fixtures, 'lingering-module.yaml'), '--trace', shortTrace, '--warmup', '0'], { cwd: repoRoot });
    expect(await command.ended(90_000)).toEqual({ code: 0, signal: null });
    expect(command.stdout()).toMatch(/^simulated 180 s of three-minutes\.csv/);
  }, 120_000);
});

describe('homeostat validate with a policy module that fails outside its loading', () => {
  it('says the blueprint is not valid after an uncaught exception while the module loads, naming it, and exits with 1', async () => {
    const blueprint = path.join(fixtures, 'load-timer-throws.yaml');
    const command = startCommand(bin, ['validate', blueprint], { cwd: repoRoot });
    expect(await command.ended(90_000)).toEqual({ code: 1, signal: null });
    expect(command.stdout()).toBe('');
    const lines = linesOf(command.stderr());
    expect(lines[0]).toMatch(/^homeostat: uncaught exception while validating: timer boom while the module loads \(at .*load-timer-throws\.ts:\d+:\d+\)\)$/);
    expect(lines[1]).toContain(path.join(fixtures, 'modules/load-timer-throws.ts'));
    expect(lines.at(-1)).toMatch(new RegExp(`^${blueprint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid: an uncaught exception came while the blueprint loaded: timer boom while the module loads \\(at .*load-timer-throws\\.ts:\\d+:\\d+\\)\\)$`));
    expect(command.stderr()).not.toContain('Node.js v');
  }, 120_000);

  it('tells an unhandled rejection while the module loads, naming it, and still answers', async () => {
    const blueprint = path.join(fixtures, 'load-rejection.yaml');
    const command = startCommand(bin, ['validate', blueprint], { cwd: repoRoot });
    expect(await command.ended(90_000)).toEqual({ code: 0, signal: null });
    expect(command.stdout().trim()).toBe(`${blueprint}: valid blueprint 'load-rejection' (1 entity, 1 policy)`);
    const lines = linesOf(command.stderr());
    expect(lines[0]).toMatch(/^homeostat: unhandled promise rejection while validating \(what the module does at run time may fail the same way\): a rejection nobody handles while the module loads \(at .*load-rejection\.ts:\d+:\d+\)\)$/);
    expect(lines[1]).toContain(path.join(fixtures, 'modules/load-rejection.ts'));
  }, 120_000);
});
