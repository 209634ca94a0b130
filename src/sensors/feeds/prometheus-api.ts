import { jsonNestingProblem } from '../../core/json-nesting.js';
import { cutText } from '../../core/cut-text.js';
import { HomeostatError } from '../../core/errors.js';
import { fetchText } from './fetch-text.js';

/** Prometheus answered with an error, an unexpected status or a body that is not its API's. */
export class PrometheusQueryError extends HomeostatError {
  constructor(message: string) {
    super('E_PROMETHEUS_QUERY', message, { retryable: true });
  }
}

/** One series of an instant vector: its labels and its value as Prometheus wrote it ("NaN", "+Inf" kept). */
export interface PromSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: string;
}

interface ApiBody {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

/**
 * Runs a PromQL instant query (`POST /api/v1/query`, form-encoded, so long queries fit) and returns the
 * samples. A scalar result is one sample without labels; a matrix or string result is an error.
 * @throws PrometheusQueryError on an HTTP error, a Prometheus error or an unexpected body; UnreachableError
 *   when there is no answer
 */
export async function instantQuery(baseUrl: string, query: string, options: { signal: AbortSignal; authorization?: string; headers?: Readonly<Record<string, string>> }): Promise<PromSample[]> {
  const url = new URL('api/v1/query', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (options.authorization) headers['authorization'] = options.authorization;
  const { response, text } = await fetchText(url, { method: 'POST', body: new URLSearchParams({ query }).toString(), headers, signal: options.signal });
  const notApi = (what: string): PrometheusQueryError => new PrometheusQueryError(`HTTP ${response.status} from ${url.host}: not a Prometheus API answer (${what})`);
  const nesting = jsonNestingProblem(text);
  if (nesting !== undefined) throw notApi(nesting);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw notApi(text.slice(0, 80));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notApi(text.slice(0, 80));
  const body = parsed as ApiBody;
  if (!response.ok || body.status !== 'success') {
    throw new PrometheusQueryError(`HTTP ${response.status} from ${url.host}: ${shortened(body.errorType, 'error', 80)}: ${shortened(body.error, 'no error message', 500)}`);
  }
  return samplesOf(body.data, notApi);
}

/** A field of Prometheus's error answer as text of at most `max` characters (`fallback` when absent). */
function shortened(field: unknown, fallback: string, max: number): string {
  const text = field === undefined || field === null ? fallback : typeof field === 'string' ? field : (JSON.stringify(field) ?? String(field));
  return cutText(text, max);
}

function samplesOf(data: ApiBody['data'], notApi: (what: string) => Error): PromSample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(result)) {
    if (result.length !== 2) throw notApi('a scalar result is not [time, "value"]');
    return [{ labels: {}, value: String(result[1]) }];
  }
  if (data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new PrometheusQueryError(`the query gave a ${data?.resultType ?? 'missing'} result; an instant vector or scalar is needed`);
  }
  return result.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw notApi(`result[${i}] is ${JSON.stringify(item)?.slice(0, 40)}, not a series`);
    const { metric, value } = item as { metric?: unknown; value?: unknown };
    if (!Array.isArray(value) || value.length !== 2) throw notApi(`result[${i}] has no [time, "value"]`);
    const labels = typeof metric === 'object' && metric !== null && !Array.isArray(metric) ? (metric as Record<string, string>) : {};
    return { labels, value: String(value[1]) };
  });
}

/**
 * The number in a sample value. Prometheus writes NaN and infinities as "NaN", "+Inf", "-Inf": those come
 * back as NaN/Infinity so that the sensor rejects (and counts) them; nothing here turns them into zero.
 */
export function sampleNumber(value: string): number {
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return value.trim() === '' ? Number.NaN : Number(value);
}
