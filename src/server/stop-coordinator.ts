import { checkGrace } from '../core/engine/engine-options.js';

/**
 * How the service stops within a bounded grace: when stopping starts, live streams end and requests that
 * wait on an invocation answer at once; API invocations still running get at most the grace, then they are
 * aborted (their effectors see the abort signal).
 *
 * The plugin makes its own unless given one (`stopCoordinator`): a host embedding the plugin whose own stop
 * has a deadline passes one and calls `stop(msLeft)` before closing its app, so the service's stop takes what
 * is left of that deadline rather than a grace of its own on top (as `homeostat run` does through `serve`).
 */
export class StopCoordinator {
  private readonly started = new AbortController();
  private readonly cut = new AbortController();
  private readonly inflight = new Set<Promise<unknown>>();
  private stopped: Promise<void> | undefined;
  private refusing = false;

  /** How long invocations in flight may still run once stopping starts (ms). */
  readonly graceMs: number;

  /**
   * @param graceMs how long invocations in flight may still run once stopping starts (ms)
   * @throws ValidationError naming the value unless it is a finite number from 0 to 2^31-1 ms (what a timer
   *   can wait: Node's timers would cut invocations off after 1 ms for anything else)
   */
  constructor(graceMs: number) {
    this.graceMs = checkGrace(graceMs, 'StopCoordinator graceMs');
  }

  /** True once stopping started. */
  get stopping(): boolean {
    return this.started.signal.aborted;
  }

  /**
   * True once new API invocations are refused: from `refuseInvocations` on, or once stopping started. Reads
   * and streams go on until stopping starts.
   */
  get refusesInvocations(): boolean {
    return this.refusing || this.stopping;
  }

  /**
   * Refuses new API invocations from now on (503 with Retry-After), before stopping starts: a host whose
   * stop first does something else (waits for its loops' effectors, before an HA instance hands its lease
   * over) calls it as its stop begins, so no invocation is accepted that would hold the stop up, or act beside
   * the instance taking over. Calling it again does nothing.
   */
  refuseInvocations(): void {
    this.refusing = true;
  }

  /** Aborted when stopping starts: streams and waiting requests listen to it. */
  get signal(): AbortSignal {
    return this.started.signal;
  }

  /** Aborted when the grace has passed: give it to invocations as their abort signal. */
  get invocationSignal(): AbortSignal {
    return this.cut.signal;
  }

  /** Follows an invocation so that stopping waits for it (within the grace). */
  track(running: Promise<unknown>): void {
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
  }

  /**
   * Starts stopping (once) and resolves when every tracked invocation ended or was aborted at the grace.
   * @param graceMs the grace of this stop (ms), when less than the one given at construction is left (a
   *   host whose own stop began earlier gives what remains of its deadline); a larger one is capped at the
   *   coordinator's grace, so a stop never takes longer than that. The first call's grace holds.
   * @throws ValidationError naming the value unless it is a finite number from 0 to 2^31-1 ms
   */
  stop(graceMs: number = this.graceMs): Promise<void> {
    const grace = Math.min(checkGrace(graceMs, 'StopCoordinator.stop graceMs'), this.graceMs);
    this.stopped ??= this.run(grace);
    return this.stopped;
  }

  private async run(graceMs: number): Promise<void> {
    this.started.abort(new Error('the service is stopping'));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
      timer.unref();
    });
    await Promise.race([Promise.all([...this.inflight]), grace]);
    clearTimeout(timer);
    this.cut.abort(new Error(`the stop grace of ${graceMs} ms has passed`));
  }
}
