import { z } from 'zod';

/**
 * The largest group a blueprint may ask for (members or simulated servers): 10,000, the most members the
 * built-in `resize` effector accepts. The bound catches a mistyped size before it exhausts memory: every
 * member is an entity with its own sensors, enrichers and policies, about 22 KB of heap each with a
 * restarter (measured: 20,000 such members in one group take 440-446 MiB of heap). Starting a group grows
 * linearly with its size (measured in one process: 1,000 members with a restarter each in 0.17 s, 5,000 in
 * 0.63-0.67 s, 20,000 in 1.6-1.9 s), so time to start no longer limits it.
 */
export const MAX_GROUP_SIZE = 10_000;

/**
 * The deepest an entity may sit in the tree: 400 levels below the root. Real trees are a handful of levels
 * deep (application, site, cluster, server, process); walks of the tree (a removal, a path, a subtree) go
 * down it recursively, and a chain of several thousand levels overflowed the stack in the middle of a removal.
 * Health goes up a chain of quorum rules one level inside the next: past about 650 levels it overflowed the
 * stack and stopped there, silently (the root kept its old health), so the bound leaves that well out of reach.
 */
export const MAX_TREE_DEPTH = 400;

/** The largest count of attempts or evaluations a policy may wait for (restarts, failures, thresholds): 1,000. */
export const MAX_ATTEMPTS = 1_000;

/**
 * The most actions one plan may hold: 10,000, one per member of the largest group. A plan is recorded whole
 * in its Decision and run step by step; far more is a policy's mistake (100,000 actions blocked the loop).
 */
export const MAX_PLAN_ACTIONS = 10_000;

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
