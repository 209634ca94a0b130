/** The console's client of homeostat's documented HTTP API (the API sits at the parent path of /ui). */

/** An API answer that was not 2xx: status, the server's message, and zod issues when it sent them. */
export class ApiFailure extends Error {
  constructor(readonly status: number, message: string, readonly issues: ReadonlyArray<{ path: string; message: string }> = []) {
    super(message);
  }
}

/** The API base: the page is served at `<prefix>/ui/`, so the API is `<prefix>`. */
export function apiBase(pathname: string = location.pathname): string {
  const at = pathname.lastIndexOf('/ui');
  return at < 0 ? '' : pathname.slice(0, at);
}

const TOKEN_KEY = 'homeostat.token';

/** The bearer token of this tab (sessionStorage: gone when the tab closes). */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string): void => sessionStorage.setItem(TOKEN_KEY, token),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

type RefusalListener = (message: string) => void;
const refusalListeners = new Set<RefusalListener>();

/**
 * Follows the API's refusals of the token this tab holds (401: it expired, was revoked, or the service's
 * keys changed), from any request or the stream, so that the console can ask for a new one.
 */
export function onTokenRefused(listener: RefusalListener): () => void {
  refusalListeners.add(listener);
  return () => refusalListeners.delete(listener);
}

/** Says that the API answered 401 with `message`, to every listener of {@link onTokenRefused}. */
export function tokenRefused(message: string): void {
  for (const listener of refusalListeners) listener(message);
}

/** Headers with the bearer token, when there is one. */
export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  const token = tokenStore.get();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

function issuesOf(body: unknown): Array<{ path: string; message: string }> {
  const issues = (body as { issues?: unknown } | null)?.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((i: unknown) => {
    // the API sends engine problems as `path: message` sentences and request-schema issues as objects
    if (typeof i === 'string') {
      const at = i.indexOf(': ');
      return at < 0 ? { path: '', message: i } : { path: i.slice(0, at), message: i.slice(at + 2) };
    }
    const o = (i ?? {}) as { path?: unknown; message?: unknown };
    return {
      path: Array.isArray(o.path) ? o.path.join('.') : String(o.path ?? '').replace(/^\//, '').replaceAll('/', '.'),
      message: String(o.message ?? 'invalid'),
    };
  });
}

/** How long a call waits for the API's whole answer (ms) before it gives up with an error that says so. */
export const API_TIMEOUT_MS = 30_000;

/** Fetches and reads the answer's text, or fails once `API_TIMEOUT_MS` has passed (a stalled service or proxy). */
async function fetchText(url: string, init: RequestInit): Promise<{ response: Response; text: string }> {
  const controller = new AbortController();
  // a timer of the page (not AbortSignal.timeout), so that the tests' virtual clock drives it too
  const timer = window.setTimeout(() => controller.abort(), API_TIMEOUT_MS);
  try {
    const response = await fetch(url, { ...init, signal: controller.signal });
    return { response, text: await response.text() };
  } catch (error) {
    if (controller.signal.aborted) throw new ApiFailure(0, `no answer to ${init.method ?? 'GET'} ${new URL(url, location.href).pathname} within ${API_TIMEOUT_MS / 1000} s`);
    throw error;
  } finally {
    window.clearTimeout(timer);
  }
}

/** Calls the API; resolves with the JSON body, rejects with an ApiFailure. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await apiAnswer<T>(method, path, body)).body;
}

/** Calls the API; resolves with the JSON body and the answer's headers (e.g. a page's `Link`), rejects with an ApiFailure. */
export async function apiAnswer<T>(method: string, path: string, body?: unknown): Promise<{ body: T; headers: Headers }> {
  const init: RequestInit = { method, headers: authHeaders(body === undefined ? {} : { 'content-type': 'application/json' }) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const { response, text } = await fetchText(`${apiBase()}${path}`, init);
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const message = (parsed as { error?: unknown } | null)?.error;
    const failure = new ApiFailure(response.status, typeof message === 'string' ? message : `${response.status} ${response.statusText}`, issuesOf(parsed));
    if (failure.status === 401) tokenRefused(failure.message);
    throw failure;
  }
  return { body: parsed as T, headers: response.headers };
}

/**
 * The `cursor` of the page after this one, from a `Link: <...>; rel="next"` header (RFC 8288), or undefined
 * on the last page (no such link).
 */
export function nextCursor(headers: Headers): string | undefined {
  for (const part of (headers.get('link') ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel="?next"?\s*(;|$)/.test(match[2] ?? '')) return new URL(match[1] ?? '', location.href).searchParams.get('cursor') ?? undefined;
  }
  return undefined;
}

/** Encodes one path segment of an id (ids may hold slashes, e.g. policy `web/autoscaler`). */
export const seg = (id: string): string => encodeURIComponent(id);
