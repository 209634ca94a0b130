import { useState } from 'preact/hooks';
import { ApiFailure } from '../api.js';
import type { JsonSchema } from '../types.js';
import { checkObject, effective, typeOf, type FieldErrors } from '../validate.js';
import { Confirm } from './confirm.js';

type Kind = 'boolean' | 'enum' | 'number' | 'string' | 'json' | 'auto';

function kindOf(schema: JsonSchema): Kind {
  const s = effective(schema);
  if (s.enum) return 'enum';
  // every type the value may have: a union (`type: [number, string]` or anyOf) takes text read as JSON
  const branches = schema.anyOf ?? [schema];
  const types = new Set(branches.flatMap((b) => (Array.isArray(b.type) ? b.type : [typeOf(b)])).filter((t) => t !== undefined && t !== 'null'));
  if (types.size !== 1) return 'auto';
  const type = [...types][0];
  if (type === 'boolean') return 'boolean';
  if (type === 'integer' || type === 'number') return 'number';
  if (type === 'string') return 'string';
  return 'json';
}

/** The text a field starts with, from a current value (or the schema's default). */
function textOf(kind: Kind, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (kind === 'json' || kind === 'auto') return typeof value === 'string' && kind === 'auto' ? value : JSON.stringify(value);
  return String(value);
}

/** Reads a field's text as the value the schema wants; undefined when empty; an Error when unreadable. */
function parseField(kind: Kind, text: string, checked: boolean): unknown {
  if (kind === 'boolean') return checked;
  if (text.trim() === '') return undefined;
  if (kind === 'number') return Number(text);
  if (kind === 'string' || kind === 'enum') return text;
  try {
    return JSON.parse(text);
  } catch {
    if (kind === 'auto') return text;
    return new Error('is not valid JSON');
  }
}

/** Props of {@link SchemaForm}. */
export interface SchemaFormProps {
  /** Unique prefix for field ids (several forms share a page). */
  readonly id: string;
  readonly schema: JsonSchema;
  readonly initial?: Record<string, unknown>;
  readonly submitLabel: string;
  /** What the confirmation says will happen. */
  readonly confirmText: (value: Record<string, unknown>) => string;
  /** Sends the value; an ApiFailure's issues are shown at their fields. */
  readonly onSubmit: (value: Record<string, unknown>) => Promise<string>;
}

/**
 * A form generated from a JSON schema (an effector's params or a policy's config): one labelled field per
 * property, checked against the schema before anything is sent, with the server's own validation errors
 * shown at their fields too, and a confirmation before it is sent.
 */
export function SchemaForm(props: SchemaFormProps) {
  const properties = Object.entries(effective(props.schema).properties ?? {});
  const [texts, setTexts] = useState<Record<string, string>>(() => Object.fromEntries(properties.map(([n, s]) => [n, textOf(kindOf(s), props.initial?.[n] ?? s.default)])));
  const [checks, setChecks] = useState<Record<string, boolean>>(() => Object.fromEntries(properties.map(([n, s]) => [n, Boolean(props.initial?.[n] ?? s.default)])));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [pending, setPending] = useState<Record<string, unknown> | undefined>();
  const [status, setStatus] = useState<{ ok: boolean; text: string } | undefined>();

  const collect = (): Record<string, unknown> | undefined => {
    const value: Record<string, unknown> = {};
    const found: FieldErrors = {};
    for (const [name, schema] of properties) {
      const parsed = parseField(kindOf(schema), texts[name] ?? '', checks[name] ?? false);
      if (parsed instanceof Error) found[name] = parsed.message;
      else if (parsed !== undefined) value[name] = parsed;
    }
    Object.assign(found, checkObject(effective(props.schema), value), found);
    setErrors(found);
    return Object.keys(found).length === 0 ? value : undefined;
  };

  const send = async (value: Record<string, unknown>) => {
    setPending(undefined);
    setStatus(undefined);
    try {
      setStatus({ ok: true, text: await props.onSubmit(value) });
    } catch (error) {
      const fieldErrors: FieldErrors = {};
      const loose: string[] = [];
      for (const issue of error instanceof ApiFailure ? error.issues : []) {
        const field = issue.path.split('.')[0] ?? '';
        if (properties.some(([n]) => n === field)) fieldErrors[field] = issue.message;
        else loose.push(issue.message);
      }
      setErrors(fieldErrors);
      setStatus({ ok: false, text: loose.length > 0 || Object.keys(fieldErrors).length === 0 ? (error as Error).message : 'the server refused some fields (see above)' });
    }
  };

  return (
    <form class="schema-form" noValidate onSubmit={(e) => {
      e.preventDefault();
      const value = collect();
      if (value) setPending(value);
    }}>
      {properties.length === 0 && <p class="muted">No parameters.</p>}
      {properties.map(([name, raw]) => {
        const schema = effective(raw);
        const kind = kindOf(raw);
        const fieldId = `${props.id}-${name}`;
        const error = errors[name];
        const required = (props.schema.required ?? []).includes(name) && schema.default === undefined;
        const describedBy = [error ? `${fieldId}-error` : '', schema.description ? `${fieldId}-hint` : ''].filter(Boolean).join(' ') || undefined;
        const common = { id: fieldId, name, 'aria-required': required ? ('true' as const) : undefined, 'aria-invalid': error ? ('true' as const) : undefined, 'aria-describedby': describedBy };
        const onText = (e: Event) => setTexts({ ...texts, [name]: (e.currentTarget as HTMLInputElement).value });
        return (
          <div class={`field${error ? ' invalid' : ''}`} key={name}>
            <label for={fieldId}>{name}{required && <span aria-hidden="true"> *</span>}{kind === 'json' && <span class="muted"> (JSON)</span>}{kind === 'auto' && <span class="muted"> (text or JSON)</span>}</label>
            {kind === 'boolean' ? (
              <input type="checkbox" {...common} checked={checks[name] ?? false} onChange={(e) => setChecks({ ...checks, [name]: (e.currentTarget as HTMLInputElement).checked })} />
            ) : kind === 'enum' ? (
              <select {...common} value={texts[name] ?? ''} onChange={onText}>
                {!required && <option value="">(default)</option>}
                {(schema.enum ?? []).map((v) => <option key={String(v)} value={String(v)}>{String(v)}</option>)}
              </select>
            ) : kind === 'json' ? (
              <textarea {...common} rows={2} value={texts[name] ?? ''} onInput={onText} />
            ) : (
              <input type={kind === 'number' ? 'number' : 'text'} inputMode={kind === 'number' ? 'decimal' : undefined} step={typeOf(schema) === 'integer' ? 1 : 'any'}
                {...common} value={texts[name] ?? ''} onInput={onText} />
            )}
            {schema.description && <small id={`${fieldId}-hint`} class="hint">{schema.description}</small>}
            {error && <small id={`${fieldId}-error`} class="error" role="alert">{name} {error}</small>}
          </div>
        );
      })}
      <div class="buttons">
        <button type="submit" class="primary">{props.submitLabel}</button>
      </div>
      {status && <p class={status.ok ? 'ok' : 'error'} role="status">{status.text}</p>}
      {pending && (
        <Confirm title="Please confirm" confirmLabel={props.submitLabel} onCancel={() => setPending(undefined)} onConfirm={() => void send(pending)}>
          <p>{props.confirmText(pending)}</p>
          <pre>{JSON.stringify(pending, null, 2)}</pre>
        </Confirm>
      )}
    </form>
  );
}
