/**
 * Weighing per-member readings by each member's request (Kubernetes' Resource metrics): the group's
 * utilization is the sum of the members' usage over the sum of their requests, so a member that asked for
 * twice the capacity weighs twice as much (Kubernetes' GetResourceUtilizationRatio).
 */

/** A member's usage that is weighed by its request. */
export interface WeighedUsage {
  readonly member: string;
  readonly usage: number;
  /** The member's request (capacity); undefined when it has no usable request reading. */
  readonly request: number | undefined;
}

/**
 * Members whose usage has to be weighed but who have no request: the ratio cannot be computed without
 * guessing, so the metric decides nothing (Kubernetes: "missing request for ...").
 */
export class MissingRequestError extends Error {
  constructor(readonly members: readonly string[]) {
    super(`no request reading from ${members.length === 1 ? 'member' : 'members'} ${members.join(', ')}: their usage cannot be weighed`);
    this.name = 'MissingRequestError';
  }
}

/**
 * sum(usage) / sum(request) over the members given.
 * @throws MissingRequestError naming every member without a request (a request that is not a positive,
 * finite number is none)
 * @throws RangeError for no members
 */
export function utilization(members: readonly WeighedUsage[]): number {
  if (members.length === 0) throw new RangeError('utilization of no members');
  const without = members.filter((m) => !hasRequest(m.request)).map((m) => m.member);
  if (without.length > 0) throw new MissingRequestError(without);
  let usage = 0;
  let requested = 0;
  for (const m of members) {
    usage += m.usage;
    requested += m.request as number;
  }
  return usage / requested;
}

/** Whether a request reading can weigh a member's usage: a positive, finite number. */
export function hasRequest(request: number | undefined): request is number {
  return request !== undefined && Number.isFinite(request) && request > 0;
}
