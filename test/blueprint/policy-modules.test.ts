import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSyntaxError } from '../../src/blueprint/module-diagnosis.js';
import { fixtures, problemsOf } from './problems-of.js';

const modules = path.join(fixtures, 'modules');

/** A blueprint whose application runs one policy module. */
function withModule(modulePath: string): string {
  return `name: t\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ${modulePath}\n`;
}

// Modules with syntax errors cannot live in the source tree (the typecheck and lint would refuse them).
let broken: string;
beforeAll(async () => {
  broken = await mkdtemp(path.join(tmpdir(), 'homeostat-modules-'));
  await writeFile(path.join(broken, 'package.json'), '{ "type": "module" }\n');
  await writeFile(path.join(broken, 'arrow.ts'), "import { z } from 'zod';\n\nexport default {\n  name: 'x',\n  config: z.object({}),\n  plan: ( => 1,\n};\n");
  await writeFile(path.join(broken, 'comma.js'), "export default {\n  name: 'x'\n  config: 1,\n};\n");
  await writeFile(path.join(broken, 'missing-package.mjs'), "import 'no-such-package-anywhere';\nexport default 1;\n");
  await writeFile(path.join(broken, 'missing-import.mjs'), "import './not-there.mjs';\nexport default 1;\n");
  await writeFile(path.join(broken, 'promise-export.mjs'), 'export default Promise.resolve({ name: "later" });\n');
  await writeFile(path.join(broken, 'wide.ts'), "const s = 'héllo wörld'; const t = ;\nexport default s;\n");
});
afterAll(async () => {
  await rm(broken, { recursive: true, force: true });
});

describe('policy modules that cannot be used', () => {
  it('gives up on a module that never finishes loading, naming it', async () => {
    const started = performance.now();
    const found = await problemsOf(withModule(path.join(modules, 'hanging-policy.ts')), { moduleLoadTimeoutMs: 300 });
    expect(found).toEqual([expect.stringMatching(/^6:15: policy module '.*hanging-policy\.ts': did not finish loading within 300 ms/)]);
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('says where a module threw while loading, and what', async () => {
    const found = await problemsOf(withModule('./modules/throws-at-load.ts'));
    expect(found).toEqual([expect.stringMatching(/^6:15: policy module '\.\/modules\/throws-at-load\.ts': threw while loading \(at .*throws-at-load\.ts:7:\d+\): .*A_SETTING_NOBODY_SETS is not set/)]);
  });

  it('says what the default export is when it is not a definePolicy value', async () => {
    expect(await problemsOf(withModule('./modules/not-a-policy.ts'))).toEqual([
      expect.stringMatching(/the module has a default export without 'config', 'monitor', 'analyze': its default export must be made with definePolicy/),
    ]);
    expect(await problemsOf(withModule('./modules/named-export-only.ts'))).toEqual([expect.stringMatching(/the module has no default export \(it exports 'policy'; write `export default definePolicy\(\.\.\.\)`\)/)]);
  });

  it.each([
    ['schema', "policy 'throwing-hooks': its config schema threw: the transform gave up", '7:15'],
    ['requires', "policy 'throwing-hooks': requires threw: requires gave up", '6:7'],
    ['requiresEntities', "policy 'throwing-hooks': requiresEntities threw: requiresEntities gave up", '6:7'],
    ['requiresEffectors', "policy 'throwing-hooks': requiresEffectors threw: requiresEffectors gave up", '6:7'],
  ])('reports a module whose %s throws at the policy, naming it, with every other problem of the blueprint', async (mode, message, at) => {
    const blueprint = `name: t\napplication:\n  id: app\n  type: application\n  policies:\n    - module: ./modules/throwing-hooks.ts\n      config: { mode: ${mode} }\n  children:\n    - { id: db, type: nosuchtype }\n`;
    const found = await problemsOf(blueprint);
    expect(found).toContain(`${at}: ${message}`);
    // validation went on: the unknown type below is reported too
    expect(found.some((p) => p.includes("unknown entity type 'nosuchtype'"))).toBe(true);
  });

  it('says so when the default export is a Promise', async () => {
    const file = path.join(broken, 'promise-export.mjs');
    expect(await problemsOf(withModule(file))).toEqual([expect.stringContaining('the module has a default export that is a Promise (export the policy itself')]);
  });

  it('refuses a module path that is not a script', async () => {
    expect(await problemsOf(withModule('./bad.yaml'))).toEqual(["6:15: policy module './bad.yaml': a policy module is a .ts or .js file (also .mts, .cts, .mjs, .cjs)"]);
  });

  it('reports a TypeScript syntax error with the module, line and column', async () => {
    const file = path.join(broken, 'arrow.ts');
    const found = await problemsOf(withModule(file));
    expect(found).toEqual([`6:15: policy module '${file}': syntax error at ${file}:6:11: Unexpected "=>"`]);
  });

  it('reports a JavaScript syntax error with the module, line and column', async () => {
    const file = path.join(broken, 'comma.js');
    const found = await problemsOf(withModule(file));
    expect(found).toEqual([`6:15: policy module '${file}': syntax error at ${file}:3:3: Expected "}" but found "config"`]);
  });

  it('names the package or file a module imports that cannot be found, not the module as missing', async () => {
    const pkg = path.join(broken, 'missing-package.mjs');
    expect(await problemsOf(withModule(pkg))).toEqual([`6:15: policy module '${pkg}': cannot load it: Cannot find package 'no-such-package-anywhere' imported from ${pkg}`]);
    const imp = path.join(broken, 'missing-import.mjs');
    // the loader words the missing file as written or resolved
    expect(await problemsOf(withModule(imp))).toEqual([expect.stringMatching(new RegExp(`^6:15: policy module '.*missing-import\\.mjs': cannot load it: Cannot find module '.*not-there\\.mjs' imported from `))]);
  });

  it('counts columns in characters, not bytes', async () => {
    expect(await findSyntaxError(path.join(broken, 'wide.ts'))).toEqual({ line: 1, col: 36, message: 'Unexpected ";"' });
    expect(await findSyntaxError(path.join(modules, 'throws-at-load.ts'))).toBeUndefined();
  });
});
