/** What a health check's latest result changed. */
export type HealthTurn = 'up' | 'down' | undefined;

/**
 * Turns a stream of health-check results into up and down, as Kubernetes' probes do: a target that is up goes
 * down only after `failureThreshold` failed checks in a row (one slow answer on a loaded machine is not an
 * outage), and one that is down (or has never been up) comes up after `successThreshold` passed checks in a
 * row. The counts start again at each new target (a restarted process is judged afresh).
 */
export class HealthVerdict {
  private upNow = false;
  private failuresInARow = 0;
  private successesInARow = 0;

  /**
   * @param failureThreshold failed checks in a row that take an up target down (at least 1)
   * @param successThreshold passed checks in a row that bring a down target up (at least 1)
   */
  constructor(
    private readonly failureThreshold: number,
    private readonly successThreshold: number,
  ) {
    if (!Number.isInteger(failureThreshold) || failureThreshold < 1) throw new RangeError(`failureThreshold must be a whole number of checks >= 1, got ${failureThreshold}`);
    if (!Number.isInteger(successThreshold) || successThreshold < 1) throw new RangeError(`successThreshold must be a whole number of checks >= 1, got ${successThreshold}`);
  }

  /** Whether the target counts as up. */
  get up(): boolean {
    return this.upNow;
  }

  /** Failed checks since the last one that passed. */
  get failures(): number {
    return this.failuresInARow;
  }

  /** A new target (a process started or restarted): down, with no checks counted. */
  reset(): void {
    this.upNow = false;
    this.failuresInARow = 0;
    this.successesInARow = 0;
  }

  /**
   * Counts one check's result.
   * @returns 'up' or 'down' when this result turned the verdict, undefined when it stands
   */
  record(passed: boolean): HealthTurn {
    if (passed) {
      this.failuresInARow = 0;
      this.successesInARow += 1;
      if (this.upNow || this.successesInARow < this.successThreshold) return undefined;
      this.upNow = true;
      return 'up';
    }
    this.successesInARow = 0;
    this.failuresInARow += 1;
    if (!this.upNow || this.failuresInARow < this.failureThreshold) return undefined;
    this.upNow = false;
    return 'down';
  }
}
