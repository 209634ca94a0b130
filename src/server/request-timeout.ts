import { ValidationError } from '../core/errors.js';

/** Default of `serve`'s `requestTimeoutMs`: how long a client may take to send a whole request (headers and body). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The longest request timeout taken (10 minutes): past it, one slow client could hold a connection for ever, near enough. */
export const MAX_REQUEST_TIMEOUT_MS = 600_000;

/** The fastify options that bound how long receiving one request may take. */
export interface RequestTimeoutOptions {
  readonly requestTimeout: number;
  readonly http: { readonly requestTimeout: number; readonly connectionsCheckingInterval: number };
}

/**
 * The fastify options that make a request whose headers or body do not arrive within `ms` a 408 (the
 * connection is then closed). Only receiving the request is timed: a response that goes on for long (a
 * `/stream`) is not cut, as its request ended with its headers.
 *
 * Node.js takes the timeout for a request whose headers have arrived, but not its body, only from the server's
 * constructor options (`http`); fastify sets `requestTimeout` only after it made the server (and 0, no
 * timeout, when not given), which bounds the headers alone. Both are given. Node.js checks for expired requests
 * every `connectionsCheckingInterval` ms (30 s by default): a quarter of the timeout here, at most 1 s, so
 * that a request is cut within about the timeout.
 * @throws ValidationError naming `where` unless `ms` is a whole number of ms from 1 to {@link MAX_REQUEST_TIMEOUT_MS}
 */
export function requestTimeoutOptions(ms: number, where = 'requestTimeoutMs'): RequestTimeoutOptions {
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_REQUEST_TIMEOUT_MS) throw new ValidationError(where, [`must be a whole number of ms from 1 to ${MAX_REQUEST_TIMEOUT_MS}, got ${String(ms)}`]);
  const connectionsCheckingInterval = Math.max(10, Math.min(1_000, Math.floor(ms / 4)));
  return { requestTimeout: ms, http: { requestTimeout: ms, connectionsCheckingInterval } };
}
