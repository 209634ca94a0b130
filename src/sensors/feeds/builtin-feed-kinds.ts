import { execFeed } from './exec.js';
import { FeedKindRegistry } from './feed-kind.js';
import { httpFeed } from './http.js';
import { prometheusFeed } from './prometheus.js';
import { scanReportFeed } from './scan-report-feed.js';

/** A registry with the built-in feed kinds: `prometheus`, `http`, `exec`, `scan-report`. Register more on it. */
export function builtinFeedKinds(): FeedKindRegistry {
  return new FeedKindRegistry().register(prometheusFeed).register(httpFeed).register(execFeed).register(scanReportFeed);
}
