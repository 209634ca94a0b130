import { z } from 'zod';

/**
 * The largest group a blueprint may ask for (members or simulated servers): 10,000, the same bound the
 * cluster's `resize` effector accepts. A size past it would spawn members until the process starves.
 */
export const MAX_GROUP_SIZE = 10_000;

/** The largest count of attempts or evaluations a policy may wait for (restarts, failures, thresholds): 1,000. */
export const MAX_ATTEMPTS = 1_000;

/** The largest action budget of a subtree per window: 100,000 actions. */
export const MAX_BUDGET_ACTIONS = 100_000;

/** A number of members: a whole number from `min` (default 0) to `MAX_GROUP_SIZE`. */
export function groupSizeSchema(min = 0): z.ZodNumber {
  return z
    .number()
    .int()
    .min(min)
    .max(MAX_GROUP_SIZE, { message: `a group size is at most ${MAX_GROUP_SIZE} (members)` });
}

/** A count of attempts: a whole number from 1 to `MAX_ATTEMPTS`. */
export const attemptsSchema = z
  .number()
  .int()
  .min(1)
  .max(MAX_ATTEMPTS, { message: `a count of attempts is at most ${MAX_ATTEMPTS}` });
