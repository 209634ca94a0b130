import { describe, expect, it } from 'vitest';
import { problemsOf as problems } from './problems-of.js';

describe('a YAML alias inside the node it names (a recursive blueprint)', () => {
  it('is refused where the alias is, not a stack overflow: an entity that is its own child', async () => {
    const found = await problems('name: x\napplication: &root\n  id: app\n  children:\n    - *root\n');
    expect(found).toEqual(["5:7: YAML: alias '*root' is inside the node it names (a recursive structure); a blueprint is a tree"]);
  });

  it('is refused in config too, which would otherwise be accepted and fail to serialize when read', async () => {
    const found = await problems('name: x\napplication: &root\n  id: app\n  config: { self: *root }\n');
    expect(found).toEqual(["4:19: YAML: alias '*root' is inside the node it names (a recursive structure); a blueprint is a tree"]);
  });

  it('still takes an alias to a sibling node', async () => {
    const found = await problems('name: x\napplication:\n  id: app\n  config: { a: &limits { max: 3 }, b: *limits }\n');
    expect(found).toEqual([]);
  });
});
