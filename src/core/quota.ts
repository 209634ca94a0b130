import { z } from 'zod';
import { MAX_GROUP_SIZE } from './limits.js';
import { resourcesSchema, type Resources } from './quantity.js';

/** A quota as a blueprint writes it (on an entity, or on a tenant). */
export const quotaDeclSchema = z
  .strictObject({
    /** At most this many members in all groups of the subtree together. */
    members: z.number().int().min(0).max(MAX_GROUP_SIZE * 100).optional(),
    /** At most this much of each named resource across the members (each member's `resources`). */
    resources: resourcesSchema.optional(),
    /** At most this many operations (plans, API invocations) running at once inside the subtree. */
    operations: z.number().int().min(1).max(10_000).optional(),
  })
  .refine((q) => q.members !== undefined || q.resources !== undefined || q.operations !== undefined, { message: 'a quota names at least one of members, resources or operations' });

/** A quota as written. */
export type QuotaDecl = z.output<typeof quotaDeclSchema>;

/** A quota the engine enforces over the subtrees of `roots` together (one entity, or every subtree of a tenant). */
export interface Quota {
  /** What the quota is called in decisions: an entity id or `tenant acme`. */
  readonly name: string;
  /** Ids of the entities whose subtrees the quota covers. */
  readonly roots: readonly string[];
  readonly maxMembers?: number;
  readonly maxResources?: Resources;
  readonly maxOperations?: number;
}

/** The engine's quota from a declaration. */
export function quotaFrom(name: string, roots: readonly string[], decl: QuotaDecl): Quota {
  return {
    name,
    roots,
    ...(decl.members === undefined ? {} : { maxMembers: decl.members }),
    ...(decl.resources === undefined ? {} : { maxResources: decl.resources }),
    ...(decl.operations === undefined ? {} : { maxOperations: decl.operations }),
  };
}
