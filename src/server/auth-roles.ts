/** Roles, each including the rights of the ones before it. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;

/** One role. */
export type Role = (typeof ROLES)[number];
