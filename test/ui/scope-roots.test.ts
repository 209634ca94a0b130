// The console's placing of a token's subtrees (from GET /me), without a browser: which roots it draws.
import { describe, expect, it } from 'vitest';
import { scopeRoots } from '../../ui/src/scope-roots.js';

describe('scopeRoots', () => {
  it('keeps the roots in order, once each, leaves out one inside another, and lists the missing apart', () => {
    const placed = scopeRoots([
      { id: 'web', path: '/shop/web', type: 'cluster' },
      { id: 'gone', missing: true },
      { id: 'web-1', path: '/shop/web/web-1', type: 'server' },
      { id: 'db', path: '/shop/db', type: 'database' },
      { id: 'web', path: '/shop/web', type: 'cluster' },
      // a sibling whose id starts like another's path is not inside it
      { id: 'web2', path: '/shop/web2', type: 'cluster' },
    ]);
    expect(placed).toEqual({ roots: ['web', 'db', 'web2'], missing: ['gone'] });
  });

  it('gives nothing for a token that sees nothing', () => {
    expect(scopeRoots([])).toEqual({ roots: [], missing: [] });
  });
});
