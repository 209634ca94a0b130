import type { QuotaDecl } from '../core/quota.js';
import { allNodes } from './cross-checks.js';
import type { PathProblem } from './node-validator.js';
import type { DocPath } from './positions.js';
import type { ResolvedEntity } from './resolved.js';

/** The smallest a group can be and why: listed members, `initialSize` in its config, a policy's `min`. */
export function minimumSize(node: ResolvedEntity): { size: number; why: string } {
  let size = node.members.length;
  let why = `${size} listed member(s)`;
  const initial = node.rawConfig['initialSize'];
  if (typeof initial === 'number' && Number.isInteger(initial) && initial > size) [size, why] = [initial, `initialSize ${initial}`];
  for (const policy of node.policies) {
    const min = policy.config['min'];
    if (typeof min === 'number' && Number.isInteger(min) && min > size) [size, why] = [min, `${policy.definition.name} min ${min}`];
  }
  return { size, why };
}

/**
 * Checks tenants and quotas: a tenant inside another tenant's subtree (its tokens would see both), a tenant
 * listed at the top that no subtree names, a quota on a memberSpec (never applied), and a quota that the
 * blueprint's own minimums already exceed (members listed, `initialSize`, a policy's `min`, times each
 * member's resources).
 */
export function tenancyProblems(root: ResolvedEntity, tenants: Readonly<Record<string, { readonly quota?: QuotaDecl }>>): PathProblem[] {
  const problems: PathProblem[] = [];
  const byId = new Map([...allNodes(root)].filter((n) => n.id).map((n) => [n.id, n]));
  const named = new Map<string, ResolvedEntity[]>();
  const visit = (node: ResolvedEntity, inherited: string | undefined): void => {
    if (node.tenant !== undefined) {
      if (inherited !== undefined && inherited !== node.tenant) problems.push({ path: [...node.path, 'tenant'], message: `'${node.id}' is inside a subtree of tenant '${inherited}': a tenant's subtree cannot hold another tenant's (its tokens would see both)` });
      named.set(node.tenant, [...(named.get(node.tenant) ?? []), node]);
    }
    if (node.memberSpec?.tenant !== undefined) problems.push({ path: [...node.memberSpec.path, 'tenant'], message: `a memberSpec cannot name a tenant: members belong to the tenant of '${node.id}'` });
    if (node.memberSpec?.quota !== undefined) problems.push({ path: [...node.memberSpec.path, 'quota'], message: `a quota on a memberSpec is never applied: give it to '${node.id}' instead` });
    for (const child of node.children) visit(child, node.tenant ?? inherited);
  };
  visit(root, undefined);
  for (const node of allNodes(root)) if (node.quota && node.id) problems.push(...exceeded(`'${node.id}'`, node.quota, [node], [...node.path, 'quota'], byId));
  for (const [tenant, declared] of Object.entries(tenants)) {
    const roots = named.get(tenant) ?? [];
    if (roots.length === 0) problems.push({ path: ['tenants', tenant], message: `no entity names tenant '${tenant}' (add tenant: ${tenant} to the subtrees it owns)` });
    else if (declared.quota) problems.push(...exceeded(`tenant '${tenant}'`, declared.quota, roots, ['tenants', tenant, 'quota'], byId));
  }
  return problems;
}

function exceeded(name: string, quota: QuotaDecl, roots: readonly ResolvedEntity[], at: DocPath, byId: ReadonlyMap<string, ResolvedEntity>): PathProblem[] {
  const groups = roots.flatMap((r) => [...allNodes(r)]).filter((n) => n.id && (n.memberSpec || n.members.length > 0));
  const sizes = groups.map((g) => ({ group: g, ...minimumSize(g) })).filter((g) => g.size > 0);
  const total = sizes.reduce((sum, g) => sum + g.size, 0);
  const why = sizes.map((g) => `'${g.group.id}' ${g.size} (${g.why})`).join(', ');
  const problems: PathProblem[] = [];
  if (quota.members !== undefined && total > quota.members) problems.push({ path: [...at, 'members'], message: `the quota of ${name} allows ${quota.members} members, but the minimums already need ${total}: ${why}` });
  for (const [resource, max] of Object.entries(quota.resources ?? {})) {
    const need = sizes.reduce((sum, g) => sum + g.size * perMember(g.group, resource, byId), 0);
    if (need > max) problems.push({ path: [...at, 'resources', resource], message: `the quota of ${name} allows ${resource} ${max}, but the minimums already need ${need}: ${why}` });
  }
  return problems;
}

/** What one member of a group uses of a resource: its memberSpec's, else the first listed member's. */
function perMember(group: ResolvedEntity, resource: string, byId: ReadonlyMap<string, ResolvedEntity>): number {
  const source = group.memberSpec ?? byId.get(group.members[0] ?? '');
  return source?.resources?.[resource] ?? 0;
}
