import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';

const root = path.resolve(import.meta.dirname, '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const start = readme.indexOf('## Real systems: effectors in blueprints, processes, custom types');
const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] ?? '');

describe('README: real systems section', () => {
  it('every blueprint snippet validates (the custom types one with the module snippet next to it)', async () => {
    expect(start).toBeGreaterThan(0);
    const yamls = blocks('yaml');
    expect(yamls.length).toBeGreaterThanOrEqual(3);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-readme-'));
    const [module] = blocks('ts');
    writeFileSync(path.join(dir, 'acme-types.ts'), (module ?? '').replace("from 'homeostat'", `from ${JSON.stringify(path.join(root, 'src/index.ts'))}`));
    for (const [i, text] of yamls.entries()) {
      const blueprint = await parseBlueprint(text, path.join(dir, `snippet-${i}.yaml`)).catch((error: unknown) => {
        throw new Error(`README yaml snippet ${i + 1} does not validate: ${(error as Error).message}`);
      });
      expect(blueprint.name.length).toBeGreaterThan(0);
    }
  });
});
