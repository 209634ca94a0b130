import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { shardRoots } from '../../src/blueprint/shard-checks.js';
import { fixtures, problemsOf } from './problems-of.js';

const nested = `name: t
application:
  id: app
  children:
    - id: eu
      children:
        - id: eu-web
          shard: true
          children: [{ id: eu-web-1 }, { id: eu-web-2, shard: true }]
        - id: eu-db
    - id: us
`;

describe('shard: true in a blueprint', () => {
  it('makes marked subtrees shards of their own besides the root and each top-level subtree, parents first', async () => {
    const blueprint = await parseBlueprint(nested, path.join(fixtures, 'inline.yaml'));
    expect(shardRoots(blueprint.root)).toEqual(['app', 'eu', 'eu-web', 'eu-web-2', 'us']);
    expect(blueprint.root.children[0]?.children[1]?.shard).toBeUndefined();
  });

  it('refuses the mark on the root and on a memberSpec, and a mark that is not a boolean, each with its position', async () => {
    const problems = await problemsOf(`name: t
application:
  id: app
  shard: true
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, shard: true }
    - id: db
      shard: yes please
`);
    expect(problems).toEqual([
      expect.stringMatching(/^4:10: the root entity is always a shard of its own/),
      expect.stringMatching(/^9:46: a memberSpec cannot be a shard: members of 'web' come and go at run time/),
      expect.stringMatching(/^11:14: shard: expected true or false, got a string$/),
    ]);
  });
});
