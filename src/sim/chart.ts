import type { SimulatedSystem } from './simulation-host.js';

const WIDTH = 960;
const PANEL = 150;
const MARGIN = { left: 70, right: 20, top: 30, gap: 40 };

interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
  readonly step?: boolean;
}

/**
 * Draws load, servers, dimmer and response time over time as an SVG: four stacked panels sharing the time
 * axis, for a person to look at.
 */
export function chartSvg(system: SimulatedSystem, title: string): string {
  const periods = system.periods;
  const end = periods[periods.length - 1]?.to ?? 1;
  const mid = (p: (typeof periods)[number]): number => (p.from + p.to) / 2;
  const panels: Array<{ title: string; unit: string; series: Series[]; max?: number; line?: number }> = [
    { title: 'load', unit: 'req/s', series: [{ label: 'arrival rate', color: '#1f77b4', points: periods.map((p) => [mid(p), p.arrivals / (p.to - p.from)]) }] },
    {
      title: 'servers',
      unit: 'servers',
      max: system.settings.maxServers + 0.5,
      series: [
        { label: 'serving', color: '#2ca02c', points: [...system.activeSteps, [end, system.activeSteps[system.activeSteps.length - 1]?.[1] ?? 0]], step: true },
        { label: 'paid (incl. booting)', color: '#ff7f0e', points: periods.map((p) => [mid(p), p.servers]) },
      ],
    },
    { title: 'dimmer', unit: 'share optional', max: 1.05, series: [{ label: 'dimmer', color: '#9467bd', points: periods.map((p) => [mid(p), p.dimmer]) }] },
    {
      title: 'response time',
      unit: 's',
      line: system.settings.responseTimeThreshold,
      series: [{ label: 'mean response time', color: '#d62728', points: periods.filter((p) => p.meanResponseTime !== undefined).map((p) => [mid(p), p.meanResponseTime as number]) }],
    },
  ];
  const height = MARGIN.top + panels.length * (PANEL + MARGIN.gap);
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const x = (t: number): number => MARGIN.left + (t / end) * plotWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  panels.forEach((panel, i) => {
    const top = MARGIN.top + i * (PANEL + MARGIN.gap) + 10;
    const values = panel.series.flatMap((s) => s.points.map(([, v]) => v));
    const max = panel.max ?? Math.max(1e-9, ...values, panel.line ?? 0) * 1.1;
    const y = (v: number): number => top + PANEL - (Math.min(v, max) / max) * PANEL;
    parts.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text x="${MARGIN.left}" y="${top - 4}" font-weight="bold">${panel.title} (${panel.unit})</text>`);
    for (const tick of [0, max / 2, max]) parts.push(`<text x="${MARGIN.left - 6}" y="${y(tick) + 4}" text-anchor="end">${formatTick(tick)}</text>`);
    if (panel.line !== undefined) parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(panel.line)}" y2="${y(panel.line)}" stroke="#999" stroke-dasharray="4 3"/><text x="${MARGIN.left + plotWidth - 4}" y="${y(panel.line) - 4}" text-anchor="end" fill="#666">threshold ${panel.line} s</text>`);
    panel.series.forEach((series, k) => {
      const path = series.points.map(([t, v], j) => {
        const prev = series.points[j - 1];
        const stepCorner = series.step && prev ? `L${x(t).toFixed(1)},${y(prev[1]).toFixed(1)} ` : '';
        return `${j === 0 ? 'M' : `${stepCorner}L`}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      }).join(' ');
      parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="1.5"/>`);
      // legends sit in the title row, right-aligned, so they never cover the lines
      parts.push(`<text x="${MARGIN.left + plotWidth - k * 190}" y="${top - 4}" text-anchor="end" fill="${series.color}">${escapeXml(series.label)}</text>`);
    });
  });
  const axisY = MARGIN.top + panels.length * (PANEL + MARGIN.gap) - MARGIN.gap + 24;
  for (let m = 0; m <= end / 60; m += 15) {
    const anchor = m === 0 ? 'start' : x(m * 60) > WIDTH - MARGIN.right - 30 ? 'end' : 'middle';
    parts.push(`<text x="${x(m * 60)}" y="${axisY}" text-anchor="${anchor}">${m} min</text>`);
  }
  parts.push('</svg>');
  return parts.join('\n');
}

function formatTick(v: number): string {
  return v >= 10 ? v.toFixed(0) : v.toFixed(2);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}
