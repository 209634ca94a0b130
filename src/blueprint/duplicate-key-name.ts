import { isScalar, visit, type Document } from 'yaml';

/**
 * The key a YAML `DUPLICATE_KEY` error points at (the second of the two; its offset is the error's), as the
 * parser read it (`"\u0061"` is `a`), so the problem can name it: the parser's own message does not. Undefined
 * when no key starts there.
 */
export function duplicateKeyAt(doc: Document, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isScalar(pair.key) || pair.key.range?.[0] !== offset) return undefined;
      found = String(pair.key.value);
      return visit.BREAK;
    },
  });
  return found;
}
