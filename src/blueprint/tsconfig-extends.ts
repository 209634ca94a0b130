import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** Configurations a chain follows at most: a loop or a runaway chain stops there. */
const MAX_CHAIN = 32;

/**
 * Text of a tsconfig.json without its comments and trailing commas (tsconfig files are JSON with both), so
 * that `JSON.parse` reads it; strings are kept as they are, `//` inside them included.
 */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    if (char === '"') {
      const end = endOfString(text, i);
      out += text.slice(i, end);
      i = end - 1;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
      out += ' ';
    } else out += char;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
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
 * configuration (`.json` added when missing), or a package's file (`@tsconfig/node20/tsconfig.json`, or the
 * package's own tsconfig.json); undefined when it names nothing on disk.
 */
export function resolveExtends(fromConfig: string, specifier: string): string | undefined {
  const dir = path.dirname(fromConfig);
  if (specifier.startsWith('.') || path.isAbsolute(specifier)) {
    const base = path.resolve(dir, specifier);
    return [base, `${base}.json`].find(isFile);
  }
  const require = createRequire(path.join(dir, 'tsconfig.json'));
  for (const candidate of [specifier, `${specifier}.json`, `${specifier}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // the next form TypeScript tries
    }
  }
  return undefined;
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
