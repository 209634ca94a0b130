import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

async function lint(code: string, file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the wall-clock lint rule', () => {
  const offending = 'export const a = Date.now();\nexport const b = setTimeout(() => undefined, 10);\nexport const c = setInterval(() => undefined, 10);\n';

  for (const folder of ['src/sensors', 'src/analyzers', 'src/planners', 'src/policies', 'src/core/engine', 'policies']) {
    it(`forbids Date.now, setTimeout and setInterval in ${folder}`, async () => {
      const messages = await lint(offending, `${folder}/example.ts`);
      expect(messages.filter((m) => /scheduler/.test(m))).toHaveLength(3);
    });
  }

  it('allows them outside the loop code (the CLI may use the wall clock)', async () => {
    expect((await lint(offending, 'src/cli/example.ts')).filter((m) => /scheduler/.test(m))).toEqual([]);
  });
});
