import { write } from 'node:fs';
import type { DestinationStream } from 'pino';

/** Bytes of log held while standard output is not read: past it, lines are dropped (and counted), not kept. */
export const MAX_PENDING_LOG_BYTES = 8 * 1024 * 1024;

/** How long to wait before writing again to a full pipe that said so (EAGAIN), in ms. */
const RETRY_FULL_MS = 10;

/**
 * The run's log on standard output, written without ever holding up the loops: lines are written in the
 * background (one write at a time, in order), so a reader that stops reading (a pager, a stalled log shipper)
 * delays the log, not the decisions, the API or the signal handlers. What waits is bounded: past
 * `MAX_PENDING_LOG_BYTES` lines are dropped, and once the log moves again one line (`droppedNotice`) says how
 * many. A reader that has gone (EPIPE) ends the log: later lines are dropped and the run goes on, so a stop
 * asked after the reader went still ends the process.
 */
export class StdoutLog implements DestinationStream {
  private pending: string[] = [];
  /** Bytes waiting: queued lines and what the write under way has not written yet. */
  private pendingBytes = 0;
  private writing = false;
  private ended = false;
  private dropped = 0;
  private readonly flushed: Array<() => void> = [];

  /**
   * @param droppedNotice the line (with its newline) that says how many lines were dropped
   * @param fd the file descriptor written (standard output by default)
   */
  constructor(
    private readonly droppedNotice: (count: number) => string,
    private readonly fd = 1,
  ) {}

  /** Queues a line (or several) to be written after the ones before it. */
  write(text: string): void {
    if (this.ended) return;
    if (this.pendingBytes + Buffer.byteLength(text) > MAX_PENDING_LOG_BYTES) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0 && !this.writing) this.queue(this.droppedNotice(this.takeDropped()));
    this.queue(text);
    if (!this.writing) this.writeNext(undefined);
  }

  /** Calls `done` once every line queued so far is written (or the log has ended). */
  flush(done: () => void): void {
    if (this.writing) this.flushed.push(done);
    else done();
  }

  private queue(text: string): void {
    this.pending.push(text);
    this.pendingBytes += Buffer.byteLength(text);
  }

  private takeDropped(): number {
    const count = this.dropped;
    this.dropped = 0;
    return count;
  }

  /** Writes `rest` (what a short write left) or else everything queued, then whatever is queued meanwhile. */
  private writeNext(rest: Buffer | undefined): void {
    let chunk = rest;
    if (chunk === undefined) {
      if (this.pending.length === 0) return this.idle();
      // the chunk's bytes stay counted as waiting until they are written
      chunk = Buffer.from(this.pending.join(''));
      this.pending = [];
    }
    this.writing = true;
    const writing = chunk;
    write(this.fd, writing, 0, writing.length, null, (error, written) => {
      if (error?.code === 'EAGAIN') {
        setTimeout(() => this.writeNext(writing), RETRY_FULL_MS);
        return;
      }
      if (error) return this.end();
      this.pendingBytes -= written;
      if (this.dropped > 0 && written === writing.length) this.queue(this.droppedNotice(this.takeDropped()));
      this.writeNext(written < writing.length ? writing.subarray(written) : undefined);
    });
  }

  /** The reader has gone (or the descriptor cannot be written): nothing more is written. */
  private end(): void {
    this.ended = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.idle();
  }

  private idle(): void {
    this.writing = false;
    for (const done of this.flushed.splice(0)) done();
  }
}
