/** C0 and C1 control characters but tab and line feed: what a terminal acts on instead of showing. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with every control character but tab and line feed written as an escape (`\x1b`, `\x07`), for a
 * terminal: a blueprint's entity type, a trace line or a policy's reason can hold an escape sequence that would
 * otherwise recolour, clear or retitle the terminal of whoever reads the message.
 */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
