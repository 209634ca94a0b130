/** Kubernetes' default CPU initialization period (`--horizontal-pod-autoscaler-cpu-initialization-period`): 5 min. */
export const CPU_INITIALIZATION_PERIOD_MS = 300_000;

/** Kubernetes' default initial readiness delay (`--horizontal-pod-autoscaler-initial-readiness-delay`): 30 s. */
export const INITIAL_READINESS_DELAY_MS = 30_000;

/** What Kubernetes' CPU readiness rule looks at for one running member (times in ms). */
export interface ReadinessFacts {
  readonly now: number;
  /** Whether the member says it is serving (`service.up`); undefined when it never said. */
  readonly up: boolean | undefined;
  /** When it started running (Kubernetes: the pod's start time); undefined when unknown. */
  readonly runningSince: number | undefined;
  /** When `up` last changed (Kubernetes: the Ready condition's last transition); undefined when unknown. */
  readonly upSince: number | undefined;
  /** When its reading was taken. */
  readonly readingAt: number;
}

/**
 * Whether a running member's reading is left out as unready, by Kubernetes' groupPods rule for CPU: with no
 * readiness known, yes; during the initialization period after it started, when it is not up or its reading
 * was taken before it came up; after that, only when it is not up and has never been up (its readiness has
 * not changed since within the initial readiness delay of its start). A member that served and then went
 * down long after starting keeps counting: its load is real load.
 */
export function leftOutAsUnready(facts: ReadinessFacts): boolean {
  const { now, up, runningSince, upSince } = facts;
  if (up === undefined || runningSince === undefined || upSince === undefined) return true;
  if (now < runningSince + CPU_INITIALIZATION_PERIOD_MS) return !up || facts.readingAt < upSince;
  return !up && upSince < runningSince + INITIAL_READINESS_DELAY_MS;
}
