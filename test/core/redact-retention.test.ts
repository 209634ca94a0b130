// A redacted copy cut to its bounds keeps only what it shows: a cut string was a slice of the original, and
// V8 keeps a slice's whole parent alive, so a 4 KiB record of a 1 MB body held the megabyte (a record kept in
// the audit log, an invocation record or a decision then held the whole body it was meant to bound).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { redact } from '../../src/core/redact.js';

const COPIES = 200;
const LENGTH = 1_000_000;

describe('redact keeps no hidden reference to what it cut', () => {
  it(`${COPIES} copies of 1 MB strings cut to 4 KiB hold kilobytes, not ${COPIES} MB`, () => {
    setFlagsFromString('--expose-gc');
    const collectGarbage = runInNewContext('gc') as () => void;
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    // each string its own (as JSON.parse makes a body's strings), and each a different one
    const kept = Array.from({ length: COPIES }, (_, i) => redact({ note: `${i}:`.padEnd(LENGTH, 'x') }));
    collectGarbage();
    const grown = process.memoryUsage().heapUsed - before;
    expect(JSON.stringify(kept[7])).toMatch(/^\{"note":"7:x+…\[truncated: 995904 more characters\]"\}$/);
    // what the copies show is about 8 KiB each (1.6 MB in all); the originals were 200 MB
    expect(grown).toBeLessThan(40_000_000);
  });
});
