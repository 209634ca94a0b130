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

/**
 * Renders a template against a context object. A field that is missing, or is not a string, number or
 * boolean, is an error: a query must never run with a hole where a value should be.
 * @throws TemplateError naming the field
 */
export function renderTemplate(text: string, context: Readonly<Record<string, unknown>>): string {
  templateFields(text);
  return text.replace(PLACEHOLDER, (_all, field: string) => {
    let value: unknown = context;
    for (const part of field.split('.')) {
      value = typeof value === 'object' && value !== null && Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
    }
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new TemplateError(value === undefined ? `template field '${field}' has no value` : `template field '${field}' is not a string, number or boolean`);
  });
}

/** True when a template has placeholders (a constant string needs no rendering per poll). */
export function isTemplate(text: string): boolean {
  return text.includes('{{');
}
