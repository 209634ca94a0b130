/** One request inside the simulated web cluster. */
export interface SimRequest {
  /** Arrival time (s). */
  readonly arrival: number;
  /**
   * Whether the response includes the optional content: drawn against the dimmer at arrival or when service
   * starts (see `dimmerAppliedAt`); undefined until drawn. A request never served keeps it undefined and
   * counts as one with optional content, as in SWIM (it was never marked low-fidelity).
   */
  optional: boolean | undefined;
  /** Finish tag in the server's virtual time (set when service starts). */
  tag: number;
}

/** What happened to a request: served, or passed through unserved after waiting out the timeout. */
export interface Completion {
  readonly request: SimRequest;
  readonly at: number;
  readonly served: boolean;
}
