import { HomeostatError } from '../../core/errors.js';

/** A template that cannot be rendered: bad syntax, or a field the entity does not have. */
export class TemplateError extends HomeostatError {
  constructor(message: string) {
    super('E_TEMPLATE', message);
  }
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const FIELD = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_-]+)*$/;

/**
 * The fields a template names, in order (`{{id}}`, `{{config.port}}`, `{{member.id}}` give `id`,
 * `config.port`, `member.id`).
 * @throws TemplateError when a placeholder is not a dotted field name or braces are unbalanced
 */
export function templateFields(text: string): string[] {
  const fields: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const field = match[1] ?? '';
    if (!FIELD.test(field)) throw new TemplateError(`'{{${field}}}' is not a field name (write e.g. {{id}} or {{config.port}})`);
    fields.push(field);
  }
  const rest = text.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) throw new TemplateError(`unbalanced '{{' or '}}' in '${text}'`);
  return fields;
}

/** A template parsed once: literal text and field paths, alternating. */
type Compiled = ReadonlyArray<string | readonly string[]>;
const compiled = new Map<string, Compiled>();

function compile(text: string): Compiled {
  let parts = compiled.get(text);
  if (parts) return parts;
  templateFields(text);
  const out: Array<string | readonly string[]> = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    out.push(text.slice(last, match.index), (match[1] ?? '').split('.'));
    last = match.index + match[0].length;
  }
  out.push(text.slice(last));
  parts = out;
  // templates come from blueprints, so the cache stays small; the bound guards against misuse
  if (compiled.size < 10_000) compiled.set(text, parts);
  return parts;
}

/**
 * Renders a template against a context object. A field that is missing, or is not a string, number or
 * boolean, is an error: a query must never run with a hole where a value should be. Templates are parsed
 * once and cached (a fan-out feed renders one per member per poll).
 * @throws TemplateError naming the field
 */
export function renderTemplate(text: string, context: Readonly<Record<string, unknown>>): string {
  const parts = compile(text);
  let out = '';
  for (const part of parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: unknown = context;
    for (const key of part) value = typeof value === 'object' && value !== null && Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out += String(value);
    else throw new TemplateError(value === undefined ? `template field '${part.join('.')}' has no value` : `template field '${part.join('.')}' is not a string, number or boolean`);
  }
  return out;
}

/** True when a template has placeholders (a constant string needs no rendering per poll). */
export function isTemplate(text: string): boolean {
  return text.includes('{{');
}
