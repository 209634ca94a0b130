/**
 * Keeps the last `limit` bytes of a stream of chunks (the end of a command's output says why it failed),
 * counting what was dropped, so a chatty command cannot grow an invocation record without bound.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front. */
  dropped = 0;

  /** @param limit bytes kept */
  constructor(private readonly limit: number) {}

  /** Appends a chunk, dropping the oldest bytes past the limit. */
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0] as Buffer;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** The kept bytes as UTF-8 (a character cut at the front shows as U+FFFD). */
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}
