import { HomeostatError } from '../../core/errors.js';

/** A request that got no answer: refused, unreachable, reset, DNS failure. */
export class UnreachableError extends HomeostatError {
  constructor(message: string) {
    super('E_UNREACHABLE', message, { retryable: true });
  }
}

/**
 * Fetches a URL and reads the body as text. Network failures become an `UnreachableError` that names the
 * host and the reason (`ECONNREFUSED`, `ENOTFOUND`...) rather than fetch's bare "fetch failed"; an abort
 * (the feed's timeout) passes through unchanged.
 */
export async function fetchText(url: URL | string, init: RequestInit & { signal: AbortSignal }): Promise<{ response: Response; text: string }> {
  try {
    const response = await fetch(url, init);
    return { response, text: await response.text() };
  } catch (error) {
    if (init.signal.aborted) throw init.signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const host = new URL(url).host;
    throw new UnreachableError(`cannot reach ${host}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
}
