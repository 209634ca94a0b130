import { connect } from 'node:net';

/**
 * A TCP connection check: resolves true when a connection to host:port opens within `timeoutMs`, false
 * otherwise (refused, unreachable, timed out). Never rejects: a failed check is a reading, not an error.
 */
export function tcpCheck(host: string, port: number, timeoutMs: number): () => Promise<boolean> {
  return () =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      const done = (ok: boolean): void => {
        socket.destroy();
        resolve(ok);
      };
      socket.setTimeout(timeoutMs, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
}

/**
 * An HTTP health check: true when the URL answers within `timeoutMs` with the expected status (default: any
 * 2xx), false otherwise. Never rejects.
 */
export function httpCheck(url: string, timeoutMs: number, expectStatus?: number): () => Promise<boolean> {
  return async () => {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      // the status decides; the body is dropped unread (an endless one cost the whole timeout and its bytes)
      await response.body?.cancel().catch(() => undefined);
      return expectStatus === undefined ? response.status >= 200 && response.status < 300 : response.status === expectStatus;
    } catch {
      return false;
    }
  };
}
