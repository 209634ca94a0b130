/** The built-in policies whose `min` is the smallest size they scale a group to (a module's `min` may mean anything). */
export const SCALING_POLICIES: ReadonlySet<string> = new Set(['autoscaler', 'step-scaler']);

/**
 * Why a scaler's floor is below its group's quorum rule `at least n of members up`: scaling the group to its
 * `min` would take it down (and policies above it would act on a group that was only small).
 * @param who the group as a sentence names it (`'web'`, `the member spec`)
 * @param defaulted the config left `min` out (its default applies)
 */
export function scalingFloorBelowQuorum(policy: string, who: string, min: number, n: number, defaulted: boolean): string {
  return `policy '${policy}' may shrink ${who} to ${min} member${min === 1 ? '' : 's'}${defaulted ? ' (its default min)' : ''}, below its quorum 'at least ${n} of members up': scaling would take the group down; set min: ${n} or more`;
}
