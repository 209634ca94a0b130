// Bytes that are not UTF-8 were read as U+FFFD, silently: a reader of a body must refuse them and say where.
// The offset finder is checked against the WHATWG decoder Node has (which refuses but names no offset).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Utf8Error, decodeUtf8, utf8Problem } from '../../src/core/utf8-text.js';

const fatal = new TextDecoder('utf-8', { fatal: true });

/** Where the WHATWG decoder, replacing rather than refusing, puts its first U+FFFD, counted in bytes. */
function firstReplacedByte(bytes: Uint8Array): number | undefined {
  const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
  const at = text.indexOf('\uFFFD');
  // the characters before it were read whole: their UTF-8 is the bytes before the bad ones
  return at === -1 ? undefined : Buffer.byteLength(text.slice(0, at));
}

describe('decoding UTF-8 strictly', () => {
  it('agrees with the WHATWG decoder on which byte strings are UTF-8, and on where the first bad one starts', () => {
    const bytes = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0xc2, 0xe0, 0xed, 0xf0, 0xf4, 0x80, 0xbf, 0x9f, 0xa0, 0x8f, 0x90)), { maxLength: 12 });
    fc.assert(
      fc.property(bytes, (list) => {
        const array = Uint8Array.from(list);
        // a U+FFFD sent as such is no place where the decoder replaced bytes
        fc.pre(!Buffer.from(array).includes(Buffer.from('\uFFFD')));
        let decodes = true;
        try {
          fatal.decode(array);
        } catch {
          decodes = false;
        }
        const found = utf8Problem(array);
        expect(found === undefined).toBe(decodes);
        if (found !== undefined) expect(found.offset).toBe(firstReplacedByte(array));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes every code point, and keeps a byte-order mark', () => {
    const text = '\uFEFFa\u00e9\u4e2d\u{1F600}\u{10FFFF}\uFFFD';
    expect(decodeUtf8(Buffer.from(text))).toBe(text);
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(decodeUtf8(Buffer.from(s))).toBe(s);
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    [[0x61, 0x80], 1, 'a continuation byte (0x80) with no lead byte before it'],
    [[0xc0, 0xaf], 0, '0xc0 starts an overlong encoding (of a character under U+0080)'],
    [[0xe0, 0x80, 0xaf], 0, '0xe0 0x80 starts an overlong encoding (of a character that takes fewer bytes)'],
    [[0xf0, 0x80, 0x80, 0xaf], 0, '0xf0 0x80 starts an overlong encoding (of a character that takes fewer bytes)'],
    [[0xed, 0xa0, 0x80], 0, '0xed 0xa0 encodes a UTF-16 surrogate (U+D800 to U+DFFF), which UTF-8 has no place for'],
    [[0xf4, 0x90, 0x80, 0x80], 0, '0xf4 0x90 encodes a code point past U+10FFFF'],
    [[0xf5], 0, '0xf5 is never a byte of UTF-8'],
    [[0x7b, 0xe2, 0x82, 0x7d], 1, '0xe2 starts a 3-byte sequence cut short after 2 (byte 3 is 0x7d, not a continuation byte)'],
    [[0x7b, 0xf0, 0x9f, 0x98], 1, '0xf0 starts a 4-byte sequence that the end of the bytes cuts short after 3'],
  ])('%j: refused at byte %i, saying how', (list, offset, problem) => {
    let error: unknown;
    try {
      decodeUtf8(Uint8Array.from(list));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(Utf8Error);
    expect(error).toMatchObject({ offset, problem });
  });
});
