/** How many characters of a bad trace line an error quotes. */
const EXCERPT_CHARACTERS = 60;

/**
 * A bad trace line as an error quotes it: in single quotes, control characters and undecodable bytes escaped
 * (`\x00`, `\ufffd`), and cut to its first 60 characters with the length said. A binary or minified file then
 * gives one readable line, not its bytes on the terminal.
 */
export function traceLineExcerpt(line: string): string {
  const cut = line.length > EXCERPT_CHARACTERS ? line.slice(0, EXCERPT_CHARACTERS) : line;
  const escaped = cut.replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
  const binary = /\ufffd|\u0000/.test(line) ? ', the file looks binary' : '';
  return line.length > EXCERPT_CHARACTERS ? `'${escaped}…' (${line.length.toLocaleString('en-US')} characters${binary})` : `'${escaped}'${binary ? ` (${binary.slice(2)})` : ''}`;
}
