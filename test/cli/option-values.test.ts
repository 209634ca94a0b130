// The numeric options of `homeostat run` and `simulate` take decimal digits only. Before, Number() read them:
// `--port ''` served on a random port, `--stop-grace ''` gave no grace, `--seed ''` was seed 0, `--port 0x10`
// was port 16, and `--seed 9007199254740993` became ...992, each without a word. The real command is run, as
// a user would, for the refusals (exit 2, the option, the value and what is expected, no stack trace).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectionLimit, graceSeconds, leaseTime, port, requestTimeoutSeconds, wholeNumber } from '../../src/cli/option-values.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');
const trace = path.join(repoRoot, 'examples/traces/wc_day53-r0-105m-l70.delta');

describe('numeric option values', () => {
  it('takes decimal digits, with a fraction where seconds are meant', () => {
    expect([port('0'), port('8080'), port('65535')]).toEqual([0, 8080, 65_535]);
    expect([leaseTime('200'), connectionLimit('1'), wholeNumber('0'), wholeNumber('9007199254740991')]).toEqual([200, 1, 0, 9_007_199_254_740_991]);
    expect([graceSeconds('0'), graceSeconds('2.5'), requestTimeoutSeconds('0.001'), requestTimeoutSeconds('600')]).toEqual([0, 2.5, 0.001, 600]);
  });

  it.each(['', ' ', ' 80', '0x10', '0b11', '0o7', '1e3', '+1', '-0', '8080.0', 'Infinity'])('refuses %j for a whole number', (value) => {
    for (const parse of [port, leaseTime, connectionLimit, wholeNumber]) expect(() => parse(value)).toThrow(/in decimal digits/);
  });

  it.each(['', ' ', '0x10', '1e2', '.5', '5.', 'NaN'])('refuses %j for seconds', (value) => {
    for (const parse of [graceSeconds, requestTimeoutSeconds]) expect(() => parse(value)).toThrow(/in decimal digits/);
  });

  it('refuses a whole number past 2^53 rather than round it', () => {
    expect(() => wholeNumber('9007199254740993')).toThrow(/at most 9007199254740991/);
  });
});

describe('homeostat with a numeric option it cannot take', () => {
  it.concurrent.each([
    [['run', idle, '--port', ''], "option '--port <port>' argument '' is invalid. a port is a whole number from 0 to 65535, in decimal digits"],
    [['run', idle, '--port', '0x10'], "option '--port <port>' argument '0x10' is invalid. a port is"],
    [['run', idle, '--stop-grace', ' '], "option '--stop-grace <seconds>' argument ' ' is invalid. a stop grace is a number of seconds from 0 to 600"],
    [['run', idle, '--min-replica-acks', ''], "option '--min-replica-acks <n>' argument '' is invalid. expected a whole number in decimal digits"],
    [['simulate', idle, '--trace', trace, '--seed', '9007199254740993'], "option '--seed <n>' argument '9007199254740993' is invalid. expected a whole number in decimal digits"],
    [['simulate', idle, '--trace', trace, '--duration', ''], "option '--duration <seconds>' argument '' is invalid. expected a whole number"],
  ])('%j: exit 2, naming the option and the value', async (args, message) => {
    const command = startCommand(bin, args, { cwd: repoRoot });
    const end = await command.ended(60_000);
    expect(end.code, command.stderr()).toBe(2);
    expect(command.stderr()).toContain(`error: ${message}`);
    expect(command.stderr()).not.toMatch(/\n\s+at /);
    expect(command.stdout()).toBe('');
  }, 70_000);
});
