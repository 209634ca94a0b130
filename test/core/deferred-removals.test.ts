import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/deferred-below-visited.ts', import.meta.url));

/** Runs a scenario in a process of its own: the removal can loop without announcing anything (spawnSync ends it by its pid). */
function run(scenario: string): { signal: NodeJS.Signals | null; stdout: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, scenario], { encoding: 'utf8', timeout: 10_000 });
}

describe('a removal put off below an entity that a removal then walks through', () => {
  it('ends when the walk is of a removal under way (a subscriber removed an unrelated entity meanwhile)', () => {
    const result = run('unrelated-removal');
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual({ removed: ['c1', 'g', 'h', 'c0', 'f'], left: ['root'] });
  }, 20_000);

  it('ends when the walk is of an earlier put-off removal (a subscriber removes the site, then the server)', () => {
    const result = run('two-ancestors');
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual({ removed: ['proc', 'server', 'cluster', 'site'], left: ['root'] });
  }, 20_000);
});
