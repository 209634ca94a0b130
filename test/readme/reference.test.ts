import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_POLICIES, builtinTypes } from '../../src/index.js';
import { referenceMarkdown } from '../../scripts/reference.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('docs/reference.md', () => {
  it('is what the registries generate today (run `npm run docs:reference` after changing a type or policy)', async () => {
    const committed = await readFile(path.join(root, 'docs/reference.md'), 'utf8');
    expect(committed).toBe(await referenceMarkdown());
  });

  it('covers every built-in entity type and policy, with effector params read from running entities', async () => {
    const text = await referenceMarkdown();
    for (const name of builtinTypes().names()) expect(text).toContain(`### \`${name}\``);
    for (const name of BUILTIN_POLICIES.keys()) expect(text).toContain(`### \`${name}\``);
    expect(text).toMatch(/\| `resize` \| `size`: integer >= 0 <= 10000, `allowQuorumLoss\?`: boolean \| yes \| 2m \|/);
    expect(text).toMatch(/\| `bootTime` \| duration \| `20s` \|/);
    expect(text).toMatch(/\| `maxRestarts` \| integer >= 1 <= 1000 \| `3` \|/);
  });

  it('is linked from the README', async () => {
    const readme = await readFile(path.join(root, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/reference.md)');
  });
});
