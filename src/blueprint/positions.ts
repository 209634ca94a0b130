import { isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';

/** A path into the blueprint document: keys and sequence indexes. */
export type DocPath = ReadonlyArray<string | number>;

/**
 * Finds the line and column of a path in a parsed YAML document. A path that does not exist (a missing key)
 * resolves to its nearest existing ancestor, so the message still points at the right place. An unknown
 * key points at the key itself.
 */
export function positionOf(doc: Document, lines: LineCounter, path: DocPath): { line: number; col: number } {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNode(node) ? node : undefined;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      node = pair.value;
      const keyNode = isScalar(pair.key) ? pair.key : undefined;
      best = isNode(node) && node.range ? node : keyNode ?? best;
    } else if (isSeq(node)) {
      const item = typeof segment === 'number' ? node.items[segment] : undefined;
      if (item === undefined) break;
      node = item;
      if (isNode(item)) best = item;
    } else break;
  }
  const offset = best?.range?.[0] ?? 0;
  return lines.linePos(offset);
}

/** The position of a key (rather than its value), used for "unrecognized key" messages. */
export function keyPositionOf(doc: Document, lines: LineCounter, path: DocPath, key: string): { line: number; col: number } {
  let node: unknown = doc.getIn(path, true);
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    if (pair && isScalar(pair.key) && pair.key.range) return lines.linePos(pair.key.range[0]);
  }
  node = undefined;
  return positionOf(doc, lines, path);
}
