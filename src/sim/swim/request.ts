/** One request inside the simulated web cluster. */
export interface SimRequest {
  /** Arrival time (s). */
  readonly arrival: number;
  /** Whether the response includes the optional content (decided by the dimmer at arrival). */
  readonly optional: boolean;
  /** Finish tag in the server's virtual time (set when service starts). */
  tag: number;
}

/** What happened to a request: served, or passed through unserved after waiting out the timeout. */
export interface Completion {
  readonly request: SimRequest;
  readonly at: number;
  readonly served: boolean;
}
