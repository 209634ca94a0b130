import { describeError } from '../../core/errors.js';

/**
 * Redis' replies that refuse the client's credentials or what they allow: a wrong user or password
 * (WRONGPASS, or `invalid password` from Redis before 6), none given where one is required (NOAUTH), a user
 * not allowed a command homeostat sends (NOPERM, e.g. on the ready check or PING). The same credentials get the
 * same reply on every attempt, so connecting does not try again.
 */
const REFUSAL = /\b(?:WRONGPASS|NOAUTH|NOPERM)\b|\binvalid password\b/;

/**
 * The refusal behind an error, when Redis refused the credentials: the error's message, with the node's error
 * behind a cluster's 'Failed to refresh slots cache.' (a sentinel's 'All sentinels are unreachable' names its
 * last error in its message). Redis' replies name no password.
 * @returns the refusal's text, or undefined when the error is something else (a timeout, a closed connection)
 */
export function authRefusal(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  const own = describeError(error);
  if (REFUSAL.test(own)) return own;
  const behind = typeof error === 'object' && error !== null ? (error as { lastNodeError?: unknown }).lastNodeError : undefined;
  if (behind === undefined) return undefined;
  const node = describeError(behind);
  return REFUSAL.test(node) ? `${own} (${node})` : undefined;
}
