/** `text` cut to its first `max` characters, saying how long it was (`... (10485760 characters)`); as it is when shorter. */
export function cutText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} characters)` : text;
}
