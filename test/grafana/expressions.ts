import type { Dashboard } from '@grafana/schema';

/** Every PromQL expression of a dashboard: panel targets and annotation queries, with where each comes from. */
export function expressionsOf(dashboard: Dashboard): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const panel of dashboard.panels ?? []) {
    for (const target of (panel as { targets?: Array<{ expr?: string; refId?: string }> }).targets ?? []) {
      if (target.expr) out.push({ where: `${dashboard.uid} / ${panel.title} / ${target.refId}`, expr: target.expr });
    }
  }
  for (const annotation of dashboard.annotations?.list ?? []) {
    const expr = (annotation as { expr?: string }).expr;
    if (expr) out.push({ where: `${dashboard.uid} / annotation ${annotation.name}`, expr });
  }
  return out;
}

/** Replaces Grafana's variables the way Grafana would for a concrete selection. */
export function substitute(expr: string, policy: string): string {
  return expr
    .replaceAll('=~"$policy"', '=~".+"')
    .replaceAll('$policy', policy)
    .replaceAll('$__rate_interval', '30s')
    .replaceAll('$__range', '5m')
    .replaceAll('$__interval', '5s');
}
