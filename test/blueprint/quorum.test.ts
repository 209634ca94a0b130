import { describe, expect, it } from 'vitest';
import { problemsOf } from './problems-of.js';

function group(quorum: string, members = '[a, b]', extra = ''): string {
  return `name: t
application:
  id: app
  type: application
  children:
    - { id: a }
    - { id: b }
    - id: pair
      type: group
      members: ${members}
      quorum: ${quorum}
${extra}`;
}

describe('quorums that can never hold', () => {
  it('refuses atLeast 5 over 2 members, at n', async () => {
    expect(await problemsOf(group('{ from: members, rule: atLeast, n: 5 }'))).toEqual([
      "11:50: quorum 'at least 5 of members up' can never hold: 'pair' has 2 members (a, b) and no memberSpec to grow from",
    ]);
  });

  it('accepts atLeast 2 over 2 members', async () => {
    expect(await problemsOf(group('{ from: members, rule: atLeast, n: 2 }'))).toEqual([]);
  });

  it('refuses any rule over a set that is always empty', async () => {
    expect(await problemsOf(group('{ from: children, rule: all }'))).toEqual([expect.stringMatching(/^11:23: quorum 'all of children up' can never hold: 'pair' has 0 children/)]);
    expect(await problemsOf(group('{ from: members, rule: fraction, value: 0.5 }', '[]'))).toEqual([expect.stringContaining("'pair' has no members and no memberSpec")]);
  });

  it('refuses a fraction outside (0, 1]', async () => {
    expect(await problemsOf(group('{ from: members, rule: fraction, value: 1.5 }'))).toEqual([expect.stringMatching(/^11:55: value: Too big/)]);
    expect(await problemsOf(group('{ from: members, rule: fraction, value: 0 }'))).toEqual([expect.stringMatching(/^11:55: value: Too small/)]);
  });

  it('counts members a memberSpec can still create', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server }
      quorum: { from: members, rule: atLeast, n: 3 }
`);
    expect(found).toEqual([]);
  });

  it('counts children', async () => {
    const found = await problemsOf(`name: t
application:
  id: app
  type: application
  quorum: { from: children, rule: atLeast, n: 3 }
  children: [{ id: a }, { id: b }]
`);
    expect(found).toEqual([expect.stringMatching(/^5:47: quorum 'at least 3 of children up' can never hold: 'app' has 2 children/)]);
  });
});
