/** Where a byte sequence stops being UTF-8, and how. */
export interface Utf8Problem {
  /** Offset of the first byte of the sequence that is not UTF-8. */
  readonly offset: number;
  /** What is wrong there, in words (`a continuation byte (0x80) with no lead byte before it`). */
  readonly problem: string;
}

/** Bytes that are not UTF-8, said where: a decoder that replaced them with U+FFFD would lose what was sent. */
export class Utf8Error extends Error {
  constructor(readonly offset: number, readonly problem: string) {
    super(`byte ${offset}: ${problem}`);
    this.name = 'Utf8Error';
  }
}

// fatal: a byte that is not UTF-8 throws (no U+FFFD); a byte-order mark is kept, as it was sent
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text, refusing what is not UTF-8 (a stray continuation byte, an overlong form, a surrogate, a
 * code point past U+10FFFF, a sequence cut short) rather than replacing it with U+FFFD. A byte-order mark is
 * kept in the text.
 * @throws Utf8Error naming the offset of the first byte that is not UTF-8, and what is wrong with it
 */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (error) {
    const found = utf8Problem(bytes);
    throw found === undefined ? error : new Utf8Error(found.offset, found.problem);
  }
}

/** Hex of one byte: `0xc3`. */
const hex = (byte: number): string => `0x${byte.toString(16).padStart(2, '0')}`;

/**
 * The first place `bytes` are not UTF-8 (RFC 3629, as the WHATWG decoder reads it), or undefined. A walk in
 * JavaScript: `decodeUtf8` runs it only once its native decoder has refused the bytes.
 */
export function utf8Problem(bytes: Uint8Array): Utf8Problem | undefined {
  const n = bytes.length;
  for (let i = 0; i < n; ) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      i++;
      continue;
    }
    if (lead < 0xc0) return { offset: i, problem: `a continuation byte (${hex(lead)}) with no lead byte before it` };
    if (lead < 0xc2) return { offset: i, problem: `${hex(lead)} starts an overlong encoding (of a character under U+0080)` };
    if (lead > 0xf4) return { offset: i, problem: `${hex(lead)} is never a byte of UTF-8` };
    const length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    // the second byte's range, which rules out overlong forms, surrogates and code points past U+10FFFF
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k < length; k++) {
      if (i + k >= n) return { offset: i, problem: `${hex(lead)} starts a ${length}-byte sequence that the end of the bytes cuts short after ${k}` };
      const next = bytes[i + k] as number;
      if (next < 0x80 || next > 0xbf) return { offset: i, problem: `${hex(lead)} starts a ${length}-byte sequence cut short after ${k} (byte ${i + k} is ${hex(next)}, not a continuation byte)` };
      if (k === 1 && next < low) return { offset: i, problem: `${hex(lead)} ${hex(next)} starts an overlong encoding (of a character that takes fewer bytes)` };
      if (k === 1 && next > high) return { offset: i, problem: lead === 0xed ? `${hex(lead)} ${hex(next)} encodes a UTF-16 surrogate (U+D800 to U+DFFF), which UTF-8 has no place for` : `${hex(lead)} ${hex(next)} encodes a code point past U+10FFFF` };
    }
    i += length;
  }
  return undefined;
}
