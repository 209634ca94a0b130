// `npx tsx bench/json-body.ts`: what reading an API body strictly (UTF-8 refused when it is not, one pass for
// nesting, duplicate and prototype keys, then JSON.parse) costs against JSON.parse alone, on 16 MiB bodies of
// many keys. Runs are interleaved and the median of each is shown (the machine may be shared).
import { parseJsonBytes } from '../src/server/json-body.js';

const MiB = 1024 * 1024;

/** A 16 MiB JSON text of `item`s joined inside `open` and `close`. */
function sixteenMiB(item: (i: number) => string, open: string, close: string): string {
  const parts: string[] = [];
  let size = open.length + close.length;
  for (let i = 0; size < 16 * MiB - 256; i++) {
    const part = item(i);
    parts.push(part);
    size += Buffer.byteLength(part) + 1;
  }
  return `${open}${parts.join(',')}${close}`;
}

const bodies: Record<string, string> = {
  'objects of a few keys': sixteenMiB((i) => `{"id":${i},"name":"item-${i}","labels":{"app":"web","tier":"front","zone":"z${i % 7}"},"value":${i * 1.5},"ok":true}`, '[', ']'),
  'one object of many keys': sixteenMiB((i) => `"key-${i}":${i}`, '{', '}'),
  'non-ASCII text': sixteenMiB((i) => `{"név":"árvíztűrő tükörfúrógép ${i}","emoji":"😀 ${i}"}`, '[', ']'),
};

const median = (times: number[]): number => [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;

for (const [name, text] of Object.entries(bodies)) {
  const bytes = Buffer.from(text, 'utf8');
  const keys = (text.match(/":/g) ?? []).length;
  const parse: number[] = [];
  const loose: number[] = [];
  const strict: number[] = [];
  for (let run = 0; run < 7; run++) {
    let start = performance.now();
    JSON.parse(text);
    parse.push(performance.now() - start);
    start = performance.now();
    JSON.parse(bytes.toString('utf8'));
    loose.push(performance.now() - start);
    start = performance.now();
    parseJsonBytes(bytes);
    strict.push(performance.now() - start);
  }
  const [p, l, s] = [median(parse), median(loose), median(strict)];
  process.stdout.write(`${name} (${(bytes.length / MiB).toFixed(1)} MiB, ${keys} keys): JSON.parse ${p.toFixed(0)} ms, bytes to text + JSON.parse ${l.toFixed(0)} ms, strict ${s.toFixed(0)} ms = ${(s / p).toFixed(2)}x JSON.parse (${(s / l).toFixed(2)}x with decoding)\n`);
}
