/**
 * `{{ name }}` templates over a scope of values. A template is checked once, when the blueprint is
 * validated (every name it uses must exist), and rendered at each invocation. Rendering never interprets the
 * values: a param is text spliced in, or (for a whole-value template) the value itself.
 */

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const REF = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

/** A problem in a template, as a message. */
export type TemplateProblem = string;

/** The names a template uses, in order (`params.size`, `id`, `config.port`). */
export function templateRefs(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/**
 * Checks a template: placeholders are closed, well formed, and name something `known` accepts.
 * @param known returns undefined when the name resolves, else why not
 */
export function checkTemplate(text: string, known: (ref: string) => string | undefined): TemplateProblem[] {
  const problems: TemplateProblem[] = [];
  const stripped = text.replace(PLACEHOLDER, '');
  if (stripped.includes('{{') || stripped.includes('}}')) problems.push(`unbalanced '{{' or '}}' in template '${text}'`);
  for (const ref of templateRefs(text)) {
    if (!REF.test(ref)) problems.push(`'{{${ref}}}' is not a name (use e.g. {{params.size}})`);
    else {
      const why = known(ref);
      if (why !== undefined) problems.push(why);
    }
  }
  return problems;
}

/** Looks a dotted name up in a scope object; undefined when any step is missing. */
export function lookup(scope: Readonly<Record<string, unknown>>, ref: string): unknown {
  let value: unknown = scope;
  for (const key of ref.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/**
 * Renders a template as text. Each value is turned into text (objects as JSON) and passed through
 * `encode` (e.g. encodeURIComponent for URLs). Missing values render as the empty string.
 */
export function renderTemplate(text: string, scope: Readonly<Record<string, unknown>>, encode: (s: string) => string = (s) => s): string {
  return text.replace(PLACEHOLDER, (_m, ref: string) => encode(asText(lookup(scope, ref))));
}

/**
 * Renders a structured value: strings are templates, except that a string made of one placeholder alone
 * becomes the value itself (a number param stays a number in a JSON body).
 */
export function renderValue(value: unknown, scope: Readonly<Record<string, unknown>>): unknown {
  if (typeof value === 'string') {
    const refs = templateRefs(value);
    const only = refs.length === 1 && value.trim().replace(PLACEHOLDER, '') === '' ? refs[0] : undefined;
    return only !== undefined ? (lookup(scope, only) ?? null) : renderTemplate(value, scope);
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, scope));
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderValue(v, scope)]));
  return value;
}

/** Every string inside a structured value, with its path (for checking templates in a body). */
export function stringsIn(value: unknown, path: Array<string | number> = []): Array<{ path: Array<string | number>; text: string }> {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, i]));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  return [];
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
