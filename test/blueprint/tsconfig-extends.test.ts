// The configurations a TypeScript module is compiled with: a tsconfig.json and everything it extends, on a
// real directory (relative files, a package's file, arrays, comments and trailing commas, loops).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stripJsonComments, tsconfigChain } from '../../src/blueprint/tsconfig-extends.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'homeostat-tsconfig-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(relative: string, text: string): Promise<string> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

describe('reading a tsconfig.json', () => {
  it('drops comments and trailing commas but keeps // and /* inside strings', () => {
    const text = '{\n  // a comment\n  "a": "http://x/*y*/", /* block */\n  "b": [1, 2,],\n  "c": "quote \\" // not a comment",\n}\n';
    expect(JSON.parse(stripJsonComments(text))).toEqual({ a: 'http://x/*y*/', b: [1, 2], c: 'quote " // not a comment' });
  });
});

describe('reading a tsconfig.json: odd strings', () => {
  it('keeps a comma before a bracket inside a string, and reads a file that begins with a byte order mark', () => {
    expect(JSON.parse(stripJsonComments('{ "a": "x, ]", "b": "y,}", "c": [1,/* c */ ], }'))).toEqual({ a: 'x, ]', b: 'y,}', c: [1] });
    expect(JSON.parse(stripJsonComments('\uFEFF{ "a": 1 }'))).toEqual({ a: 1 });
  });
});

describe('the configurations a tsconfig.json extends: packages and odd files', () => {
  it('follows a base saved with a byte order mark', async () => {
    const base = await write('base.json', '{ "compilerOptions": { "strict": true } }');
    const middle = await write('middle.json', '\uFEFF// saved by an editor that writes a BOM\n{ "extends": "./base.json" }');
    const root = await write('tsconfig.json', '{ "extends": "./middle.json" }');
    expect(tsconfigChain(root)).toEqual([root, middle, base]);
  });

  it("resolves a package's configuration as TypeScript does: its \"tsconfig\" field, else its tsconfig.json, never its main", async () => {
    await write('node_modules/with-main/package.json', '{ "name": "with-main", "main": "index.js" }');
    await write('node_modules/with-main/index.js', 'module.exports = {};');
    const mainConfig = await write('node_modules/with-main/tsconfig.json', '{}');
    await write('node_modules/with-field/package.json', '{ "name": "with-field", "main": "index.js", "tsconfig": "configs/strict.json" }');
    await write('node_modules/with-field/index.js', 'module.exports = {};');
    const fieldConfig = await write('node_modules/with-field/configs/strict.json', '{}');
    const root = await write('tsconfig.json', '{ "extends": ["with-main", "with-field"] }');
    expect(tsconfigChain(root)).toEqual([root, mainConfig, fieldConfig]);
  });
});

describe('the configurations a tsconfig.json extends', () => {
  it('follows relative files (with or without .json), arrays and packages, each once', async () => {
    const pkgConfig = await write('node_modules/@scope/base/tsconfig.json', '{ "compilerOptions": { "strict": true } }');
    await write('node_modules/@scope/base/package.json', '{ "name": "@scope/base" }');
    const shared = await write('configs/shared.json', '{ "extends": "@scope/base" }');
    const paths = await write('configs/paths.json', '// paths\n{ "extends": "./shared.json", }');
    const root = await write('tsconfig.json', '{ "extends": ["./configs/paths", "./configs/shared"] }');
    expect(tsconfigChain(root)).toEqual([root, paths, shared, pkgConfig]);
  });

  it('stops at a loop and skips what names nothing or cannot be read', async () => {
    const a = await write('a.json', '{ "extends": ["./b.json", "./missing.json", "no-such-package"] }');
    const b = await write('b.json', '{ "extends": "./a.json" }');
    const broken = await write('broken.json', '{ "extends": ');
    const root = await write('tsconfig.json', '{ "extends": ["./a.json", "./broken.json"] }');
    expect(tsconfigChain(root)).toEqual([root, a, broken, b]);
  });
});
