import { badPortProblem } from './fetch-bad-ports.js';
import { BodyCutError, readBodyUpTo } from '../../core/http-body.js';
import { HomeostatError } from '../../core/errors.js';

/** Most bytes of one answer a feed reads (a Prometheus answer of 10,000 series is about 2 MiB). */
export const FEED_BODY_LIMIT = 16 * 1024 * 1024;

/** A request that got no answer: refused, unreachable, reset, DNS failure. */
export class UnreachableError extends HomeostatError {
  constructor(message: string) {
    super('E_UNREACHABLE', message, { retryable: true });
  }
}

/** An answer that could not be read whole: larger than the feed limit, cut mid-way, or a redirect. */
export class HttpAnswerError extends HomeostatError {
  constructor(code: 'E_HTTP_BODY_TOO_LARGE' | 'E_HTTP_BODY_CUT' | 'E_HTTP_REDIRECT', message: string) {
    super(code, message, { retryable: true });
  }
}

/**
 * Fetches a URL and reads the body as text, at most `FEED_BODY_LIMIT` bytes. Network failures become an
 * `UnreachableError` that names the host and the reason (`ECONNREFUSED`, `ENOTFOUND`...) rather than
 * fetch's bare "fetch failed"; a body past the limit, a body cut mid-way and a redirect (never followed)
 * are `HttpAnswerError`s that name the host and say which; an abort (the feed's timeout) passes through.
 */
export async function fetchText(url: URL | string, init: RequestInit & { signal: AbortSignal }): Promise<{ response: Response; text: string }> {
  const host = new URL(url).host;
  let response: Response;
  try {
    // redirects are refused here rather than by fetch, whose error does not say where it was sent
    response = await fetch(url, { ...init, redirect: 'manual' });
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new UnreachableError(`cannot reach ${host}: ${badPortProblem(new URL(url)) ?? cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
    await response.body?.cancel().catch(() => undefined);
    const location = (response.headers.get('location') ?? '').slice(0, 200);
    throw new HttpAnswerError('E_HTTP_REDIRECT', `${host} answered ${response.status}, a redirect to ${location}; a feed does not follow redirects: give the final URL`);
  }
  try {
    const body = await readBodyUpTo(response, FEED_BODY_LIMIT, init.signal);
    if (body.overLimit) throw new HttpAnswerError('E_HTTP_BODY_TOO_LARGE', `the answer of ${host} is larger than ${FEED_BODY_LIMIT / (1 << 20)} MiB (a feed reads at most that)`);
    return { response, text: body.text };
  } catch (error) {
    if (error instanceof BodyCutError) throw new HttpAnswerError('E_HTTP_BODY_CUT', `${host} closed the connection after ${error.bytes} bytes of the answer (${error.reason})`);
    throw error;
  }
}
