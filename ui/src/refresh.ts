import { useEffect } from 'preact/hooks';

/**
 * Calls `load` now and again `everyMs` after each call has settled, until the component goes away or
 * `deps` change. A read that the API is slow to answer (or never answers) is waited for, never repeated
 * over: a stalled API gets one request from a view, not one per period.
 */
export function useRefresh(load: () => Promise<unknown>, everyMs: number, deps: readonly unknown[]): void {
  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const run = (): void => {
      void load().catch(() => undefined).finally(() => {
        if (alive) timer = window.setTimeout(run, everyMs);
      });
    };
    run();
    return () => {
      alive = false;
      window.clearTimeout(timer);
    };
  }, deps);
}
