import { z } from 'zod';

/**
 * The largest group a blueprint may ask for (members or simulated servers): 1,000. Every member is an
 * entity with its own sensors, enrichers and policies, and starting a group costs time that grows with
 * the square of its size (measured: 3,000 members with a restarter each take 5.5 s to start, 10,000 over
 * a minute, during which `run` serves nothing); 1,000 start in well under a second.
 */
export const MAX_GROUP_SIZE = 1_000;

/**
 * The deepest an entity may sit in the tree: 1,000 levels below the root. Real trees are a handful of levels
 * deep (application, site, cluster, server, process); walks of the tree (a removal, a path, a subtree) go
 * down it recursively, and a chain of several thousand levels overflowed the stack in the middle of a removal.
 */
export const MAX_TREE_DEPTH = 1_000;

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
