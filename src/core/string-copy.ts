/**
 * A part of a string as a string of its own. `text.slice` (and `substring`) give a view of `text` when the
 * part is long enough, and V8 then keeps all of `text` alive for as long as the part lives: a 4 KiB part
 * kept in a record holds the megabyte string it was cut from. The copy goes through a buffer (UTF-16 code
 * units as they are, lone surrogates included), so nothing of `text` outside the part stays reachable.
 * @param start index of the first code unit kept (default 0)
 * @param end index after the last code unit kept (default the length)
 */
export function sliceCopy(text: string, start = 0, end = text.length): string {
  const part = text.slice(start, end);
  // short parts are copied by V8 itself; a part that is the whole text keeps nothing more
  if (part.length < 64 || part.length === text.length) return part;
  return Buffer.from(part, 'utf16le').toString('utf16le');
}
