/** What the simulated cluster saw during one monitoring period (SWIM's monitor). */
export interface PeriodStats {
  /** Start and end of the period (s). */
  readonly from: number;
  readonly to: number;
  readonly arrivals: number;
  /** Requests that completed in the period (served or passed through). */
  readonly completed: number;
  /** Mean response time of the completed requests (s); undefined when none completed. */
  readonly meanResponseTime: number | undefined;
  /** Completed requests slower than the response-time threshold. */
  readonly late: number;
  /** Completed requests served with the optional content. */
  readonly optional: number;
  /** Time-weighted mean dimmer. */
  readonly dimmer: number;
  /** Time-weighted mean servers (booting included: they are paid for). */
  readonly servers: number;
  /** Time-weighted mean active servers. */
  readonly activeServers: number;
  /** Busy server-seconds per second (SWIM's summed utilization). */
  readonly utilizationTotal: number;
}
