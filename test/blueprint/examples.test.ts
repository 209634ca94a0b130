import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBlueprint } from '../../src/blueprint/load.js';

const examples = path.resolve(import.meta.dirname, '../../examples');
const files = [...readdirSync(examples).filter((f) => f.endsWith('.yaml')), ...readdirSync(path.join(examples, 'swim')).map((f) => `swim/${f}`)];

describe('every example blueprint', () => {
  it('there are examples to check', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });
  for (const file of files) {
    it(`${file} is valid`, async () => {
      const blueprint = await loadBlueprint(path.join(examples, file));
      expect(blueprint.name.length).toBeGreaterThan(0);
    });
  }
});
