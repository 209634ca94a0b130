import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

/** The settings of a blueprint: its lines without comments, blank lines and the name. */
async function settings(file: string): Promise<string[]> {
  const text = await readFile(path.join(root, file), 'utf8');
  return text
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '').trimEnd())
    .filter((line) => line !== '' && !line.startsWith('name:'));
}

// The comparison in the README isolates prediction: the predictive configuration is the built-in one plus the
// predictive floor and the brownout's forecast-sized raise, every other setting the same.
describe('the predictive SWIM configuration', () => {
  it('is the built-in configuration plus one predictive floor and one forecast-sized raise', async () => {
    const builtIn = await settings('examples/swim/homeostat.yaml');
    const predictive = await settings('examples/swim/homeostat-predictive.yaml');
    const floors = predictive.filter((line) => /^\s+predictive: \{/.test(line));
    const raises = predictive.filter((line) => /^\s+raiseAhead: \{/.test(line));
    expect(floors).toHaveLength(1);
    expect(raises).toHaveLength(1);
    expect(predictive.filter((line) => !floors.includes(line) && !raises.includes(line))).toEqual(builtIn);
  });
});
