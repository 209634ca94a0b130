/** What `readBodyUpTo` read: the bytes kept as text, and whether the body went on past the limit. */
export interface LimitedBody {
  readonly text: string;
  /** Bytes kept (at most the limit). */
  readonly bytes: number;
  /** True when the body had more than the limit; the rest was not read (the connection was dropped). */
  readonly overLimit: boolean;
}

/** The body stopped before its end (the peer closed or reset the connection) after `bytes` bytes, kept in `received`. */
export class BodyCutError extends Error {
  /** Bytes received before the cut. */
  readonly bytes: number;
  constructor(readonly received: Uint8Array, readonly reason: string, options: { cause: unknown }) {
    super(`the answer was cut after ${received.length} bytes (${reason})`, options);
    this.bytes = received.length;
    this.name = 'BodyCutError';
  }
}

/**
 * Reads at most `maxBytes` of a response body, then cancels the rest (undici drops the connection), so a
 * target that sends gigabytes costs `maxBytes` of memory and the time to read them, never more. The bytes
 * kept are decoded as UTF-8 (a character cut at the limit shows as U+FFFD).
 * @throws BodyCutError when the body ends early: the peer closed or reset the connection mid-body
 * @throws the signal's reason when `signal` aborted the read
 */
export async function readBodyUpTo(response: Response, maxBytes: number, signal?: AbortSignal): Promise<LimitedBody> {
  const body = response.body;
  if (body === null) return { text: '', bytes: 0, overLimit: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  let overLimit = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (bytes + value.length > maxBytes) {
        chunks.push(value.subarray(0, maxBytes - bytes));
        bytes = maxBytes;
        overLimit = true;
        break;
      }
      chunks.push(value);
      bytes += value.length;
    }
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = [cause?.code, cause?.message ?? (error as Error).message].filter(Boolean).join(': ');
    throw new BodyCutError(Buffer.concat(chunks), reason, { cause: error });
  }
  if (overLimit) await reader.cancel().catch(() => undefined);
  return { text: Buffer.concat(chunks).toString('utf8'), bytes, overLimit };
}
