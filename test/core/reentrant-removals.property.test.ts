import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/reentrant-tree-history.ts', import.meta.url));

/** Runs the property in a process of its own, so that a removal looping for ever is ended (by its pid) and reported. */
function run(treeSize: number, seed: number): { signal: NodeJS.Signals | null; stdout: string } {
  return spawnSync(process.execPath, ['--import', 'tsx', fixture, '3000', String(seed)], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, TREE_SIZE: String(treeSize) },
  });
}

describe('re-entrant changes asked by subscribers of the tree, over random trees and histories', () => {
  for (const size of [4, 6, 8, 10]) {
    it(`end, announce each entity once and under a parent still there, and leave no orphan (${size + 1} entities)`, () => {
      const result = run(size, size);
      expect(result.signal).toBeNull();
      expect(JSON.parse(result.stdout)).toEqual({ failed: false, runs: 3000 });
    }, 90_000);
  }
});
