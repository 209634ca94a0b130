import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Configurations a chain follows at most: a loop or a runaway chain stops there. */
const MAX_CHAIN = 32;

/**
 * Text of a tsconfig.json without its comments, trailing commas and byte order mark (tsconfig files are JSON
 * with all three), so that `JSON.parse` reads it; strings are kept as they are, `//` or `,]` inside them included.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  // a comma is written only once what follows it is known not to be a closing bracket
  let pendingComma = false;
  const start = text.startsWith('\uFEFF') ? 1 : 0;
  for (let i = start; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else if (/\s/.test(char)) out += char;
    else if (char === ',') {
      if (pendingComma) out += ',';
      pendingComma = true;
    } else {
      if (pendingComma && char !== '}' && char !== ']') out += ',';
      pendingComma = false;
      if (char === '"') {
        const end = endOfString(text, i);
        out += text.slice(i, end);
        i = end - 1;
      } else out += char;
    }
  }
  return pendingComma ? `${out},` : out;
}

/** The index just past the string literal that opens at `start`. */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  return text.length;
}

/** True when `file` is a file (not a directory, not missing). */
function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/** The `extends` of a configuration file, as a list (TypeScript allows a string or an array), or none when unreadable. */
function extendsOf(file: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripJsonComments(readFileSync(file, 'utf8')));
  } catch {
    return [];
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as { extends?: unknown }).extends : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The file a configuration's `extends` entry names, as TypeScript resolves it: a path relative to the
 * configuration (`.json` added when missing), or a package's file (`@tsconfig/node20/tsconfig.json`, or for
 * the package alone the file its package.json's "tsconfig" field names, else its tsconfig.json); undefined when
 * it names nothing on disk.
 */
export function resolveExtends(fromConfig: string, specifier: string): string | undefined {
  const dir = path.dirname(fromConfig);
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const base = path.resolve(dir, specifier);
    return [base, `${base}.json`].find(isFile);
  }
  const { name, subpath } = packageSpecifier(specifier);
  if (subpath !== '') {
    // a file of the package, through its "exports" where it has them
    const require = createRequire(path.join(dir, 'tsconfig.json'));
    for (const candidate of [specifier, `${specifier}.json`, `${specifier}/tsconfig.json`]) {
      try {
        return require.resolve(candidate);
      } catch {
        // the next form TypeScript tries
      }
    }
  }
  const packageDir = findPackageDir(dir, name);
  if (packageDir === undefined) return undefined;
  if (subpath !== '') {
    const base = path.join(packageDir, subpath);
    return [base, `${base}.json`, path.join(base, 'tsconfig.json')].find(isFile);
  }
  // the package itself: its "tsconfig" field, else its tsconfig.json (never its "main", which is code)
  const field = tsconfigField(path.join(packageDir, 'package.json'));
  return [...(field === undefined ? [] : [path.resolve(packageDir, field)]), path.join(packageDir, 'tsconfig.json')].find(isFile);
}

/** A package specifier's package name (`@scope/name` or `name`) and the path inside the package ('' for none). */
function packageSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split('/');
  const nameParts = specifier.startsWith('@') ? 2 : 1;
  return { name: parts.slice(0, nameParts).join('/'), subpath: parts.slice(nameParts).join('/') };
}

/** The directory of package `name` as Node finds it from `dir`: the nearest node_modules above that holds it. */
function findPackageDir(dir: string, name: string): string | undefined {
  for (let at = dir; ; at = path.dirname(at)) {
    const candidate = path.join(at, 'node_modules', name);
    if (statSync(candidate, { throwIfNoEntry: false })?.isDirectory()) return candidate;
    if (path.dirname(at) === at) return undefined;
  }
}

/** The "tsconfig" field of a package.json, or undefined when it has none or cannot be read. */
function tsconfigField(packageJson: string): string | undefined {
  try {
    const field = (JSON.parse(readFileSync(packageJson, 'utf8')) as { tsconfig?: unknown }).tsconfig;
    return typeof field === 'string' ? field : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A configuration file and every file it extends, directly or through others, in the order they are met:
 * settings a module is compiled with may come from any of them, so a change to any must compile it again.
 */
export function tsconfigChain(config: string): string[] {
  const chain: string[] = [];
  const pending = [config];
  while (pending.length > 0 && chain.length < MAX_CHAIN) {
    const file = pending.shift() as string;
    if (chain.includes(file)) continue;
    chain.push(file);
    for (const specifier of extendsOf(file)) {
      const resolved = resolveExtends(file, specifier);
      if (resolved !== undefined) pending.push(resolved);
    }
  }
  return chain;
}
