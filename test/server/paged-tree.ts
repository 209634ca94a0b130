import { expect } from 'vitest';
import { numberSensor, type ResolvedEntity } from '../../src/index.js';
import { builtinTypes } from '../../src/drivers/builtin-types.js';

const entityType = builtinTypes().get('entity');

/** A resolved blueprint node of type `entity` with a `load` sensor: large trees for the paging tests, built fast. */
export function treeNode(id: string, children: ResolvedEntity[] = []): ResolvedEntity {
  if (!entityType) throw new Error('no entity type');
  return { id, type: entityType, config: {}, rawConfig: {}, sensors: [numberSensor('load')], enrichers: [], feeds: [], policies: [], members: [], children, path: [] };
}

/** The target of a `Link: <...>; rel="next"` header, or null without one. */
export function nextLink(link: string | null): string | null {
  return link === null ? null : (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? 'malformed link');
}

/** Reads a paged route from `first` to its last page (following Link rel="next"), each page's items as answered. */
export async function readPages<T>(url: string, first: string, token: string): Promise<T[][]> {
  const pages: T[][] = [];
  for (let next: string | null = first; next !== null; ) {
    const response = await fetch(`${url}${next}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as T[];
    expect(response.status, JSON.stringify(body)).toBe(200);
    pages.push(body);
    next = nextLink(response.headers.get('link'));
  }
  return pages;
}
