/**
 * Marks a run's progress in simulated time: each time the clock passes another tenth of the run's length, and
 * once at its end. Deterministic (simulated time, not the wall clock), so the same run reports the same marks.
 */
export class ProgressMarks {
  private readonly stepMs: number;
  private nextMs: number;
  private ended = false;

  /**
   * @param durationMs the run's simulated length (ms)
   * @param report called with the simulated time reached (s) and the run's length (s)
   */
  constructor(private readonly durationMs: number, private readonly report: (simulatedSeconds: number, durationSeconds: number) => void) {
    this.stepMs = durationMs / 10;
    this.nextMs = this.stepMs;
  }

  /** Reports a mark when `nowMs` has passed the next tenth (once, however many tenths one step jumps). */
  passed(nowMs: number): void {
    if (this.ended || this.stepMs <= 0 || nowMs < this.nextMs) return;
    if (nowMs >= this.durationMs) return this.end();
    this.nextMs = (Math.floor(nowMs / this.stepMs) + 1) * this.stepMs;
    this.report(nowMs / 1000, this.durationMs / 1000);
  }

  /** Reports the end of the run (once). */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.report(this.durationMs / 1000, this.durationMs / 1000);
  }
}
