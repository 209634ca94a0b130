/** Characters after which a `/` begins a regular expression, not a division. */
const BEFORE_REGEX = new Set([...'(,=:[!&|?{};+-*%<>~^']);
/** Keywords after which a `/` begins a regular expression. */
const KEYWORDS_BEFORE_REGEX = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

/**
 * The ranges `[start, end)` of `source` that are no code: comments, string literals, the text of template
 * literals (not their `${}` expressions) and regular expression literals; undefined when the text cannot be
 * read that way (an unterminated literal or comment), so that a caller falls back to treating all of it as code.
 */
export function literalRanges(source: string): Array<readonly [number, number]> | undefined {
  const ranges: Array<readonly [number, number]> = [];
  /** For each `${` still open: the brace depth its closing `}` returns to. */
  const templateDepths: number[] = [];
  let depth = 0;
  let previous = 0; // index just past the last significant token, for telling a regex from a division
  for (let i = 0; i < source.length; ) {
    const char = source[i] as string;
    const next = source[i + 1];
    let end: number | undefined;
    if (char === '/' && next === '/') {
      const newline = source.indexOf('\n', i);
      end = newline < 0 ? source.length : newline;
    } else if (char === '/' && next === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close < 0) return undefined;
      end = close + 2;
    } else if (char === '"' || char === "'") {
      end = endOfQuoted(source, i, char);
      if (end === undefined) return undefined;
    } else if (char === '`' || (char === '}' && templateDepths.at(-1) === depth)) {
      if (char === '}') templateDepths.pop();
      const part = endOfTemplatePart(source, i + 1);
      if (part === undefined) return undefined;
      if (part.opensExpression) templateDepths.push(depth);
      end = part.end;
    } else if (char === '/' && regexMayStart(source, previous)) {
      end = endOfRegex(source, i);
    }
    if (end !== undefined) {
      ranges.push([i, end]);
      i = end;
      previous = end;
      continue;
    }
    if (char === '{') depth += 1;
    else if (char === '}') depth -= 1;
    i += 1;
    if (!/\s/.test(char)) previous = i;
  }
  return templateDepths.length > 0 ? undefined : ranges;
}

/** Index just past the quoted string opening at `start`, or undefined when a line or the text ends first. */
function endOfQuoted(source: string, start: number, quote: string): number | undefined {
  for (let i = start + 1; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === quote) return i + 1;
    else if (char === '\n') return undefined;
  }
  return undefined;
}

/** From inside a template literal: the index past its closing backquote or past the next `${`. */
function endOfTemplatePart(source: string, from: number): { end: number; opensExpression: boolean } | undefined {
  for (let i = from; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '`') return { end: i + 1, opensExpression: false };
    else if (char === '$' && source[i + 1] === '{') return { end: i + 2, opensExpression: true };
  }
  return undefined;
}

/** True when a `/` after the token ending at `previous` begins a regular expression. */
function regexMayStart(source: string, previous: number): boolean {
  const before = source[previous - 1];
  if (before === undefined || BEFORE_REGEX.has(before)) return true;
  const word = /[\w$]+$/.exec(source.slice(Math.max(0, previous - 12), previous))?.[0];
  return word !== undefined && KEYWORDS_BEFORE_REGEX.has(word);
}

/** Index just past the regular expression literal (and its flags) opening at `start`; a division when none closes on its line. */
function endOfRegex(source: string, start: number): number | undefined {
  let inClass = false;
  for (let i = start + 1; i < source.length; i++) {
    const char = source[i];
    if (char === '\\') i++;
    else if (char === '\n') return undefined;
    else if (char === '[') inClass = true;
    else if (char === ']') inClass = false;
    else if (char === '/' && !inClass) {
      let end = i + 1;
      while (end < source.length && /[a-z]/i.test(source[end] as string)) end++;
      return end;
    }
  }
  return undefined;
}

/**
 * `source` with `pattern` (a global regular expression) replaced by `replacement` where it matches code, not
 * inside one of the `literals` ranges (see `literalRanges`); everywhere when `literals` is undefined.
 */
export function replaceInCode(source: string, pattern: RegExp, replacement: (match: string, ...groups: string[]) => string, literals: ReadonlyArray<readonly [number, number]> | undefined): string {
  return source.replace(pattern, (match: string, ...rest: unknown[]) => {
    // the replacer's arguments: the groups, then the offset of the match, then the whole text
    const at = rest.findIndex((value) => typeof value === 'number');
    const offset = rest[at] as number;
    const inLiteral = literals?.some(([start, end]) => offset >= start && offset < end) ?? false;
    return inLiteral ? match : replacement(match, ...(rest.slice(0, at) as string[]));
  });
}
