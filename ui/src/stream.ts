import { apiBase, authHeaders, tokenRefused } from './api.js';

/** One server-sent event (a `gap` event, which says what a resumed stream missed, has no id). */
export interface ServerEvent {
  readonly id: number | undefined;
  readonly type: string;
  readonly data: unknown;
}

/** What the live view shows about the connection. */
export type StreamState = 'connecting' | 'live' | 'paused' | 'retrying';

/**
 * Splits an SSE byte stream into events (the EventSource format: `id:`, `event:`, `data:` lines, a blank
 * line ends an event). Kept apart from the transport so that it can be fed any chunking.
 */
export class SseParser {
  private buffer = '';
  private id: number | undefined;
  private type = 'message';
  private data: string[] = [];

  constructor(private readonly emit: (event: ServerEvent) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    let newline: number;
    while ((newline = this.buffer.search(/\r?\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + (this.buffer[newline] === '\r' ? 2 : 1));
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) {
        let data: unknown = null;
        try {
          data = JSON.parse(this.data.join('\n'));
        } catch {
          data = this.data.join('\n');
        }
        this.emit({ id: this.id, type: this.type, data });
      }
      this.type = 'message';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.id = Number(value);
    else if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
  }
}

/**
 * The live stream (`GET /stream`) read with fetch, because EventSource cannot send a bearer token. It
 * reconnects after a drop (or a pause) with `Last-Event-ID`, so the server replays what was missed.
 */
export class LiveStream {
  private controller: AbortController | undefined;
  private lastId: number | undefined;
  private stopped = true;
  private retry: number | undefined;

  constructor(
    private readonly query: string,
    private readonly onEvent: (event: ServerEvent) => void,
    private readonly onState: (state: StreamState) => void,
  ) {}

  /** The id of the last event received (what a reconnect resumes from). */
  get last(): number | undefined {
    return this.lastId;
  }

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  /** Closes the connection and keeps the position, so that start() resumes where it stopped. */
  pause(): void {
    this.stopped = true;
    window.clearTimeout(this.retry);
    this.controller?.abort();
    this.onState('paused');
  }

  private async connect(): Promise<void> {
    this.controller = new AbortController();
    this.onState('connecting');
    try {
      const headers = authHeaders(this.lastId === undefined ? {} : { 'last-event-id': String(this.lastId) });
      const response = await fetch(`${apiBase()}/stream?${this.query}`, { headers, signal: this.controller.signal });
      if (response.status === 401) {
        // retrying with the same token is refused the same way: the console asks for a new one
        this.stopped = true;
        tokenRefused(`the stream answered 401 ${response.statusText}`.trim());
        return;
      }
      if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
      this.onState('live');
      const parser = new SseParser((e) => {
        if (e.id !== undefined) this.lastId = e.id;
        this.onEvent(e);
      });
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      // a drop, an abort (pause) or a refusal: retry below unless paused
    }
    if (!this.stopped) {
      this.onState('retrying');
      this.retry = window.setTimeout(() => void this.connect(), 2000);
    }
  }
}
