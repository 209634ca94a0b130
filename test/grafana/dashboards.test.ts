import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { dashboards } from '../../grafana/dashboards.js';
import { expressionsOf, substitute } from './expressions.js';

const folder = path.resolve(import.meta.dirname, '../../grafana/dashboards');

describe('Grafana dashboards', () => {
  it('the JSON files are exactly what grafana/dashboards.ts (typed by @grafana/schema) generates', () => {
    const files = readdirSync(folder).filter((f) => f.endsWith('.json')).sort();
    expect(files).toEqual(Object.keys(dashboards).map((n) => `${n}.json`).sort());
    for (const [name, dashboard] of Object.entries(dashboards)) {
      expect(readFileSync(path.join(folder, `${name}.json`), 'utf8'), `${name}.json is stale: npm run dashboards`).toBe(`${JSON.stringify(dashboard, null, 2)}\n`);
    }
  });

  it('covers loop decisions, per-policy drill-down, effector health and entity health', () => {
    expect(Object.keys(dashboards).sort()).toEqual(['homeostat-decisions', 'homeostat-effectors', 'homeostat-entities', 'homeostat-policy']);
  });

  for (const [name, dashboard] of Object.entries(dashboards)) {
    it(`${name}: a datasource variable (no __inputs), decisions as annotations, unique panel ids`, () => {
      const json = readFileSync(path.join(folder, `${name}.json`), 'utf8');
      expect(json).not.toContain('__inputs');
      expect(json).not.toContain('${DS_');
      expect(dashboard.templating?.list?.find((v) => v.name === 'datasource')?.type).toBe('datasource');
      for (const panel of dashboard.panels ?? []) expect((panel as { datasource?: { uid?: string } }).datasource?.uid).toBe('${datasource}');
      expect(dashboard.annotations?.list?.some((a) => a.name === 'Decisions')).toBe(true);
      const ids = (dashboard.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it(`${name}: every expression parses as PromQL`, () => {
      for (const { where, expr } of expressionsOf(dashboard)) {
        const tree = parser.parse(substitute(expr, 'autoscaler'));
        const errors: number[] = [];
        tree.iterate({ enter: (node) => void (node.type.isError && errors.push(node.from)) });
        expect(errors, `${where}: ${expr}`).toEqual([]);
      }
    });
  }
});
