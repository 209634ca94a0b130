import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logFeedChanges } from '../../src/cli/feed-log.js';
import { FeedBoard } from '../../src/sensors/feeds/feed-health.js';

describe('feed changes in the run log', () => {
  it('logs the first failure and the recovery, not every failed poll', () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(new Writable({ write: (chunk: Buffer, _enc, done) => ((lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), done())) }));
    const board = new FeedBoard();
    const subscription = logFeedChanges(logger, board);
    const poll = (result: 'ok' | 'error' | 'timeout', error?: string) => board.emit({ type: 'poll', kind: 'prometheus', sensor: 'rps', entity: 'web', result, durationMs: 1, ...(error ? { error } : {}) });
    poll('ok');
    poll('error', 'cannot reach 127.0.0.1:9090: ECONNREFUSED');
    poll('timeout', 'no answer within 5000 ms');
    poll('error', 'cannot reach 127.0.0.1:9090: ECONNREFUSED');
    poll('ok');
    poll('ok');
    subscription.unsubscribe();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      '40 feed web rps (prometheus) failed: cannot reach 127.0.0.1:9090: ECONNREFUSED; its sensor gets no reading and goes stale (backing off)',
      '30 feed web rps (prometheus) is back after 3 failed polls',
    ]);
  });

  it('logs a feed that reads fine but finds values missing, with why, once, and when it finds them again', () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const logger = pino(new Writable({ write: (chunk: Buffer, _enc, done) => ((lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string }), done())) }));
    const board = new FeedBoard();
    const subscription = logFeedChanges(logger, board);
    const poll = (missing?: { count: number; reason: string }) => board.emit({ type: 'poll', kind: 'http', sensor: 'rps', entity: 'web', result: 'ok', durationMs: 1, ...(missing ? { missing } : {}) });
    poll();
    poll({ count: 1, reason: "no series 'http_requests_total' with labels {}" });
    poll({ count: 1, reason: "no series 'http_requests_total' with labels {}" });
    poll({ count: 2, reason: 'no member matches' });
    poll();
    poll();
    subscription.unsubscribe();
    expect(lines.map((l) => `${l.level} ${l.msg}`)).toEqual([
      "40 feed web rps (http) read fine but found a value missing: no series 'http_requests_total' with labels {}; a sensor without a value goes stale",
      '30 feed web rps (http) finds its values again',
    ]);
  });
});
