import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { turnOffPretenuring } from '../../src/core/pretenuring.js';

const fixture = fileURLToPath(new URL('./fixtures/tenured-literal.ts', import.meta.url));

/** What the fixture reports in a child node process with `flags`. */
function childRun(flags: string[], mode: 'off' | 'default'): { turnedOff: boolean; young: boolean; kept: number } {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return JSON.parse(execFileSync(process.execPath, ['--allow-natives-syntax', ...flags, '--import', 'tsx', fixture, mode], { encoding: 'utf8', env, timeout: 60_000 })) as { turnedOff: boolean; young: boolean; kept: number };
}

describe('turnOffPretenuring', () => {
  it('leaves a process alone whose command line or NODE_OPTIONS names pretenuring', () => {
    expect(turnOffPretenuring(['--allocation-site-pretenuring'], '')).toBe(false);
    expect(turnOffPretenuring(['--no-allocation-site-pretenuring'], '')).toBe(false);
    expect(turnOffPretenuring([], '--max-old-space-size=100 --allocation-site-pretenuring')).toBe(false);
  });

  it('keeps a literal whose objects all survive in the young generation, where V8 otherwise pretenures it', () => {
    // the control: with V8's default, the literal's objects end up made in the old generation
    expect(childRun([], 'default')).toEqual({ turnedOff: false, young: false, kept: 2_000_000 });
    expect(childRun([], 'off')).toEqual({ turnedOff: true, young: true, kept: 2_000_000 });
    // a process started with pretenuring on keeps it: the function does not override the command line
    expect(childRun(['--allocation-site-pretenuring'], 'off')).toEqual({ turnedOff: false, young: false, kept: 2_000_000 });
  });
});
