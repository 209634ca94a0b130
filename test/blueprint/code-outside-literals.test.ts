// Telling code from the text of comments, strings, templates and regular expressions, for rewriting
// `import.meta` in compiled policy modules without touching what a module only writes or quotes.
import { describe, expect, it } from 'vitest';
import { literalRanges, replaceInCode } from '../../src/blueprint/code-outside-literals.js';

const rewrite = (source: string): string => replaceInCode(source, /\bimport\.meta\.(url|resolve)\b/g, (_, key) => `META_${key}`, literalRanges(source));

describe('rewriting code outside literals', () => {
  it('leaves strings, comments and template text, rewrites template expressions and code', () => {
    const source = [
      "const a = 'import.meta.url'; // import.meta.url",
      'const b = "it\'s import.meta.resolve" /* import.meta.url */;',
      'const c = `import.meta.url ${import.meta.resolve(`./x${import.meta.url}`)} import.meta.url`;',
      'const d = import.meta.url;',
    ].join('\n');
    expect(rewrite(source).split('\n')).toEqual([
      "const a = 'import.meta.url'; // import.meta.url",
      'const b = "it\'s import.meta.resolve" /* import.meta.url */;',
      'const c = `import.meta.url ${META_resolve(`./x${META_url}`)} import.meta.url`;',
      'const d = META_url;',
    ]);
  });

  it('reads a quote in a regular expression as part of it, and a slash after a value as a division', () => {
    const source = "const q = /['\"`]/g.test(s) ? x / 2 / y : import.meta.url; return /'/.source + import.meta.resolve('./y');";
    expect(rewrite(source)).toBe("const q = /['\"`]/g.test(s) ? x / 2 / y : META_url; return /'/.source + META_resolve('./y');");
  });

  it('keeps braces of objects inside a template expression apart from the one that closes it', () => {
    expect(rewrite('`${ {a: 1}.a } import.meta.url ${import.meta.url}`')).toBe('`${ {a: 1}.a } import.meta.url ${META_url}`');
  });

  it('cannot read an unterminated literal: every match is then rewritten, as code', () => {
    expect(literalRanges("const a = 'open")).toBeUndefined();
    expect(rewrite("const a = 'import.meta.url")).toBe("const a = 'META_url");
  });
});
