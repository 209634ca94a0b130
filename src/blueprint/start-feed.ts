import type { SchedulerLike } from 'rxjs';
import type { Entity } from '../core/entity.js';
import { httpCheck, tcpCheck } from '../drivers/health-checks.js';
import { FeedHealth, type FeedBoard } from '../sensors/feeds/feed-health.js';
import { runFeed } from '../sensors/feeds/feed-runner.js';
import { pollFeed } from '../sensors/poll-feed.js';
import { isKindFeed, type AnyFeedSpec } from './feed-kinds.js';
import type { Positioned } from './resolved.js';

/** What a running feed needs from its deployment. */
export interface FeedStartContext {
  readonly scheduler: SchedulerLike;
  readonly random: () => number;
  readonly board: FeedBoard;
  /** Environment secrets are read from; default process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts one feed of an entity: a health check polled into its boolean sensor, or a feed of a kind run with
 * its timeout, jitter and backoff, its health on the board. Returns the function that stops it.
 */
export function startFeed(feed: Positioned<AnyFeedSpec>, entity: Entity, context: FeedStartContext): () => void {
  if (!isKindFeed(feed)) {
    const check = feed.tcp ? tcpCheck(feed.tcp.host, feed.tcp.port, feed.tcp.timeout) : httpCheck(feed.http?.url ?? '', feed.http?.timeout ?? 3000, feed.http?.status);
    const { subscription } = pollFeed({ sensor: entity.sensor<boolean>(feed.sensor), periodMs: feed.every, poll: check }, context.scheduler);
    return () => subscription.unsubscribe();
  }
  const health = new FeedHealth(`${entity.id}/feeds/${feed.index}`, feed.kind, entity.id, feed.sensor);
  const read = feed.feedKind.create(feed.decl, entity, { scheduler: context.scheduler, env: context.env ?? process.env });
  const remove = context.board.add(health);
  const subscription = runFeed(
    { read, sensor: feed.sensor, everyMs: feed.every, timeoutMs: feed.timeout, jitter: feed.jitter, maxBackoffMs: feed.maxBackoff, health, board: context.board, random: context.random },
    context.scheduler,
  );
  return () => {
    subscription.unsubscribe();
    remove();
  };
}
