import type { Logger } from 'pino';
import type { Subscription } from 'rxjs';
import type { FeedBoard, FeedEvent } from '../sensors/feeds/feed-health.js';

/**
 * Logs feeds going down and coming back, one line per change rather than one per failed poll (a feed
 * backing off for an hour would otherwise fill the log): a warning at the first failure with its error, and
 * an info line when a poll succeeds again, saying how many failed in between. A feed that reads fine but
 * finds values missing (no series matched, a pointer led nowhere) is logged the same way: a warning with why
 * at the first such poll, and an info line at the first poll that finds none missing.
 */
export function logFeedChanges(logger: Logger, board: FeedBoard): Subscription {
  const failing = new Map<string, number>();
  const missing = new Set<string>();
  return board.events$.subscribe((event) => {
    if (event.type !== 'poll') return;
    const key = `${event.entity} ${event.sensor} (${event.kind})`;
    const failures = failing.get(key);
    if (event.result === 'ok') {
      logMissing(logger, missing, key, event);
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

/** Logs a feed's polls starting or ceasing to find values missing (see `logFeedChanges`). */
function logMissing(logger: Logger, missing: Set<string>, key: string, event: Extract<FeedEvent, { type: 'poll' }>): void {
  const feed = { entity: event.entity, sensor: event.sensor, kind: event.kind };
  if (event.missing !== undefined && !missing.has(key)) {
    missing.add(key);
    logger.warn({ feed, missing: event.missing }, `feed ${key} read fine but found ${event.missing.count === 1 ? 'a value' : `${event.missing.count} values`} missing: ${event.missing.reason}; a sensor without a value goes stale`);
  } else if (event.missing === undefined && missing.delete(key)) {
    logger.info({ feed }, `feed ${key} finds its values again`);
  }
}
