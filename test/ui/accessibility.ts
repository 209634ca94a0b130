import type { Page } from 'playwright-core';

/** One accessibility problem found on a page: which element and what. */
export interface A11yProblem {
  readonly rule: 'label' | 'name' | 'contrast';
  readonly element: string;
  readonly detail: string;
}

// runs in the page (the test's tsconfig has no DOM types, so it is plain JavaScript): every form control
// has a label, every button and link a name, and visible text meets WCAG AA contrast (4.5:1, 3:1 when large)
const CHECK = String.raw`(() => {
  const problems = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
  const visible = (el) => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (!visible(el) || el.type === 'hidden') continue;
    const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest('label') || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    if (!labelled) problems.push({ rule: 'label', element: describe(el), detail: 'form control without a label' });
  }
  for (const el of document.querySelectorAll('button, a[href], summary')) {
    if (!visible(el)) continue;
    if (!(el.textContent || '').trim() && !el.getAttribute('aria-label')) problems.push({ rule: 'name', element: describe(el), detail: 'no accessible name' });
  }
  const rgb = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; } return { r: 255, g: 255, b: 255, a: 1 }; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || seen.has(el) || !node.textContent.trim() || !visible(el) || el.closest('svg, option, noscript')) continue;
    seen.add(el);
    const style = getComputedStyle(el);
    const fg = rgb(style.color);
    if (!fg) continue;
    const ratio = (a, b) => { const x = lum(a), y = lum(b); return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    const r = ratio(fg, background(el));
    if (r < (large ? 3 : 4.5)) problems.push({ rule: 'contrast', element: describe(el), detail: 'contrast ' + r.toFixed(2) + ':1' });
  }
  return problems;
})()`;

/** Checks labels, names and contrast of what the page shows now (an axe-like subset). */
export function checkAccessibility(page: Page): Promise<A11yProblem[]> {
  return page.evaluate(CHECK) as Promise<A11yProblem[]>;
}
