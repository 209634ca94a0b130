/**
 * A JSON text without the byte-order mark some writers put first (a report saved on Windows): JSON itself has
 * none, and `JSON.parse` refuses one (RFC 8259 lets a reader ignore it, and a reader here does).
 */
export function withoutByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The deepest nesting of arrays and objects a JSON text from outside (a feed's answer, an API body) may have. */
export const MAX_JSON_TEXT_DEPTH = 256;

/**
 * Why a JSON text is refused before it is parsed: nested deeper than `maxDepth` levels. `JSON.parse` builds
 * every level before any check can run, and a text of brackets is slow to build (a 16 MiB `[[[[...` took
 * seconds of the event loop, and a GiB of memory); counting brackets (outside strings) takes one pass over
 * the characters. Undefined for any other text, which is left to `JSON.parse` (this is no validator).
 */
export function jsonNestingProblem(text: string, maxDepth = MAX_JSON_TEXT_DEPTH): string | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: its brackets are text (an escaped quote does not end it)
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return `it nests arrays and objects deeper than ${maxDepth} levels (refused before parsing)`;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return undefined;
}
