import { Socket } from 'node:net';

/** Client sockets of this process still open to `port`: what would keep the process from exiting. */
export function openSocketsTo(port: number): Socket[] {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter((h): h is Socket => h instanceof Socket && h.remotePort === port && !h.destroyed);
}

/**
 * Milliseconds (wall clock, polled every 10 ms: real sockets close in real time) until no socket of this
 * process is open to `port`; `Infinity` when some still are after `limitMs`.
 */
export async function msUntilNoSocketTo(port: number, limitMs: number): Promise<number> {
  const started = performance.now();
  while (openSocketsTo(port).length > 0) {
    if (performance.now() - started > limitMs) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return performance.now() - started;
}

/** Waits (polled every 10 ms, at most `limitMs`) until some socket of this process is open to `port`. */
export async function someSocketTo(port: number, limitMs: number): Promise<void> {
  const started = performance.now();
  while (openSocketsTo(port).length === 0) {
    if (performance.now() - started > limitMs) throw new Error(`no connection to port ${port} within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
