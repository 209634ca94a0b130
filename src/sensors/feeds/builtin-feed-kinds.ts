import { execFeed } from './exec.js';
import { FeedKindRegistry } from './feed-kind.js';
import { httpFeed } from './http.js';
import { prometheusFeed } from './prometheus.js';

/** A registry with the built-in feed kinds: `prometheus`, `http`, `exec`. Register more on it. */
export function builtinFeedKinds(): FeedKindRegistry {
  return new FeedKindRegistry().register(prometheusFeed).register(httpFeed).register(execFeed);
}
