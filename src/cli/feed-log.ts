import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { FeedBoard } from '../sensors/feeds/feed-health.js';

/**
 * Logs feeds going down and coming back, one line per change rather than one per failed poll (a feed
 * backing off for an hour would otherwise fill the log): a warning at the first failure with its error, and
 * an info line when a poll succeeds again, saying how many failed in between.
 */
export function logFeedChanges(logger: Logger, board: FeedBoard): Subscription {
  const failing = new Map<string, number>();
  return board.events$.subscribe((event) => {
    if (event.type !== 'poll') return;
    const key = `${event.entity} ${event.sensor} (${event.kind})`;
    const failures = failing.get(key);
    if (event.result === 'ok') {
      if (failures === undefined) return;
      failing.delete(key);
      logger.info({ feed: { entity: event.entity, sensor: event.sensor, kind: event.kind }, failures }, `feed ${key} is back after ${failures} failed polls`);
      return;
    }
    failing.set(key, (failures ?? 0) + 1);
    if (failures === undefined) {
      logger.warn({ feed: { entity: event.entity, sensor: event.sensor, kind: event.kind }, result: event.result, error: event.error }, `feed ${key} failed: ${event.error ?? event.result}; its sensor gets no reading and goes stale (backing off)`);
    }
  });
}
