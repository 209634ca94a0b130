import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/quorum-history.ts', import.meta.url));

/** Runs the property in a process of its own (a history that loops for ever is ended by its pid). */
function run(seed: number, checkState: boolean): { signal: NodeJS.Signals | null; stdout: string } {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (checkState) delete env['SKIP_STATE'];
  else env['SKIP_STATE'] = '1';
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, '2000', String(seed)], { encoding: 'utf8', timeout: 90_000, env });
}

describe('quorumUp over random groups and re-entrant subscribers (publishing, adding, removing, joining, leaving, time passing)', () => {
  it('publishes, at each publish, what a read of every source says', () => {
    const result = run(7, false);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual({ failed: false });
  }, 120_000);

  it('leaves service.state agreeing with service.up after each change (running exactly while up)', () => {
    const result = run(7, true);
    expect(result.signal).toBeNull();
    expect(JSON.parse(result.stdout)).toEqual({ failed: false });
  }, 120_000);
});
