// An option that takes one value, given twice, is refused (commander kept the last one without a word:
// `--port 1 --port 2` listened on 2, `--trace typo.delta --trace day.delta` read the second); and a blank
// value of a text option or argument is refused (`--redis ''` ran with knowledge in memory, `--chart ''` drew
// no chart and exited 0, `init ''` wrote into the current directory). The real command is run, as a user would.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nonBlank, once } from '../../src/cli/option-values.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const idle = path.join(repoRoot, 'test/cli/fixtures/idle.yaml');
const trace = path.join(repoRoot, 'examples/traces/wc_day53-r0-105m-l70.delta');

describe('once and nonBlank', () => {
  it('takes a first value and refuses a second, naming the first', () => {
    const parse = once('--port', Number);
    expect(parse('1', undefined)).toBe(1);
    expect(() => parse('2', 1)).toThrow("--port is given twice (first '1'): give it once");
  });

  it('refuses an empty or all-blank value, and keeps any other as given', () => {
    const parse = nonBlank('a Redis URL');
    for (const value of ['', ' ', '\t\n']) expect(() => parse(value)).toThrow('expected a Redis URL, not a blank value');
    expect(parse(' redis://h:1 ')).toBe(' redis://h:1 ');
  });
});

describe('homeostat with an option twice or a blank value', () => {
  it.concurrent.each([
    [['run', idle, '--port', '1', '--port', '2'], "option '--port <port>' argument '2' is invalid. --port is given twice (first '1'): give it once"],
    [['run', idle, '--log-format', 'json', '--log-format', 'human'], "option '--log-format <format>' argument 'human' is invalid. --log-format is given twice (first 'json')"],
    [['simulate', idle, '--trace', 'typo.delta', '--trace', trace], `option '--trace <file>' argument '${trace}' is invalid. --trace is given twice (first 'typo.delta')`],
    [['run', idle, '--redis', ''], "option '--redis <url>' argument '' is invalid. expected a Redis URL, not a blank value"],
    [['run', idle, '--host', ' '], "option '--host <address>' argument ' ' is invalid. expected an address to listen on, not a blank value"],
    [['simulate', idle, '--trace', trace, '--chart', ''], "option '--chart <file.svg>' argument '' is invalid. expected a file name for the chart, not a blank value"],
    [['init', ''], "command-argument value '' is invalid for argument 'dir'. expected a directory, not a blank value"],
    [['validate', ' '], "command-argument value ' ' is invalid for argument 'blueprint'. expected a blueprint file, not a blank value"],
  ])('%j: exit 2, naming the option and the value', async (args, message) => {
    const command = startCommand(bin, args, { cwd: repoRoot });
    const end = await command.ended(60_000);
    expect(end.code, command.stderr()).toBe(2);
    expect(command.stderr()).toContain(`error: ${message}`);
    expect(command.stderr()).not.toMatch(/\n\s+at /);
    expect(command.stdout()).toBe('');
  }, 70_000);
});
