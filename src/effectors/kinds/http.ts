import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';
import { BodyCutError, readBodyUpTo } from '../../core/http-body.js';
import { defineEffectorKind, type KindProblem } from './effector-kind.js';
import { scrubError, scrubSecrets } from '../../core/secret-ref.js';
import { readSecretValue, secretValueSchema } from './secret-value.js';
import { checkTemplate, renderTemplate, renderValue, stringsIn } from './template.js';

const BODY_EXCERPT = 2_048;
/** Most bytes of an answer read; the rest is never read (the connection is dropped). */
const BODY_LIMIT = 64 * 1024;

const httpFields = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  /** URL template; values spliced in are URL-encoded. */
  url: z.string().min(1),
  /** Literal values, or `{ env }` / `{ file }` for secrets (read at each call, never logged). */
  headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'not a valid header name'), secretValueSchema).default({}),
  /** A string template (sent as text) or structured JSON whose strings are templates. */
  body: z.unknown().optional(),
  /** Expected status codes; default any 2xx. */
  status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
});

/** Fields of an `http` effector declaration. */
export type HttpEffectorFields = z.output<typeof httpFields>;

/** A request that did not get an expected status; retryable only for 408, 429 and 5xx. */
export class HttpEffectorError extends HomeostatError {
  readonly detail: { readonly status: number; readonly body: string };
  constructor(method: string, url: string, status: number, body: string) {
    super('E_HTTP_STATUS', `${method} ${url} answered ${status}${body ? `: ${body.slice(0, 200)}` : ''}`, { retryable: status === 408 || status === 429 || status >= 500 });
    this.detail = { status, body };
  }
}

/**
 * `kind: http`: one HTTP request per attempt. Method, URL and body are templates over the params; the
 * decision id goes in `Idempotency-Key` (the invocation id when a person invoked it), so a retried or
 * replayed request can be recognised by the target. Network errors, timeouts, 408, 429 and 5xx are
 * retryable (and retried only when the effector is declared idempotent); other statuses are terminal.
 */
export const httpEffectorKind = defineEffectorKind<HttpEffectorFields>({
  kind: 'http',
  description: 'an HTTP request built from templates over the params',
  fields: httpFields,
  check: (fields, { known }) => {
    const problems: KindProblem[] = checkTemplate(fields.url, known).map((message) => ({ path: ['url'], message }));
    for (const { path, text } of stringsIn(fields.body)) for (const message of checkTemplate(text, known)) problems.push({ path: ['body', ...path], message });
    if (problems.length === 0) {
      const sample = renderTemplate(fields.url, {}, () => 'x').replace(/\/\/x(?=[/:?#]|$)/, '//example.invalid');
      let url: URL | undefined;
      try {
        url = new URL(sample);
      } catch {
        problems.push({ path: ['url'], message: `'${fields.url}' is not a URL (e.g. http://host:8080/path/{{params.id}})` });
      }
      if (url && url.protocol !== 'http:' && url.protocol !== 'https:') problems.push({ path: ['url'], message: `'${fields.url}': only http and https URLs` });
    }
    if (fields.body !== undefined && fields.method === 'GET') problems.push({ path: ['body'], message: 'a GET request has no body' });
    return problems;
  },
  create: (fields) => async (params, { entity, signal, invocationId, decisionId, fencingToken }) => {
    const scope = { params, id: entity.id, config: entity.config };
    const url = renderTemplate(fields.url, scope, encodeURIComponent);
    const headers = new Headers();
    const secrets: string[] = [];
    for (const [name, source] of Object.entries(fields.headers)) {
      const value = await readSecretValue(source);
      if (typeof source !== 'string') secrets.push(value, value.slice(source.prefix.length));
      headers.set(name, value);
    }
    try {
      return scrubSecrets(await send(fields, url, headers, scope, signal, decisionId ?? invocationId, fencingToken), secrets);
    } catch (error) {
      // a target that echoes the credentials in its answer: the error leaves without them
      throw scrubError(error, secrets);
    }
  },
});

/** Sends one request with its headers resolved; returns the status and the body (JSON when it parses). */
async function send(fields: HttpEffectorFields, url: string, headers: Headers, scope: Record<string, unknown>, signal: AbortSignal, key: string | undefined, fencingToken: number | undefined): Promise<unknown> {
  if (key !== undefined && !headers.has('idempotency-key')) headers.set('Idempotency-Key', key);
  // several instances (--ha): the target can refuse a token lower than one it has seen
  if (fencingToken !== undefined) headers.set('Homeostat-Fencing-Token', String(fencingToken));
  let body: string | undefined;
  if (fields.body !== undefined) {
    const rendered = renderValue(fields.body, scope);
    body = typeof rendered === 'string' ? rendered : JSON.stringify(rendered);
    if (!headers.has('content-type')) headers.set('Content-Type', typeof rendered === 'string' ? 'text/plain; charset=utf-8' : 'application/json');
  }
  let response: Response;
  try {
    response = await fetch(url, { method: fields.method, headers, ...(body === undefined ? {} : { body }), signal, redirect: 'manual' });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new HomeostatError('E_HTTP_UNREACHABLE', `${fields.method} ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { retryable: true, cause: error });
  }
  // the status decides; of the body an excerpt is kept, and a body cut mid-way is said, not dropped
  let text = '';
  let overLimit = false;
  let bodyError: string | undefined;
  try {
    ({ text, overLimit } = await readBodyUpTo(response, BODY_LIMIT, signal));
  } catch (error) {
    if (!(error instanceof BodyCutError)) throw error;
    bodyError = error.message;
    text = Buffer.from(error.received).toString('utf8');
  }
  const truncated = overLimit || text.length > BODY_EXCERPT;
  const excerpt = truncated ? `${text.slice(0, BODY_EXCERPT)}...` : text;
  const expected = fields.status === undefined ? response.status >= 200 && response.status < 300 : [fields.status].flat().includes(response.status);
  if (!expected) throw new HttpEffectorError(fields.method, url, response.status, bodyError ? `${excerpt} [${bodyError}]` : excerpt);
  return { status: response.status, body: parseMaybeJson(excerpt), ...(truncated ? { bodyTruncated: true } : {}), ...(bodyError ? { bodyError } : {}) };
}

function parseMaybeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
