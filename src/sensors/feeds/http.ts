import { jsonNestingProblem, withoutByteOrderMark } from '../../core/json-nesting.js';
import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';
import type { Entity } from '../../core/entity.js';
import { entityContext, numberFor } from './entity-context.js';
import { fetchText } from './fetch-text.js';
import { feedCommonShape, type FeedKind, type FeedResult } from './feed-kind.js';
import { isJsonPointer, resolvePointer } from './json-pointer.js';
import { ExpositionError, selectSeries } from './prom-text.js';
import { scrubError, scrubSecrets } from '../../core/secret-ref.js';
import { feedRequestShape, requestHeaders } from './secret-source.js';
import { renderTemplate } from './template.js';
import { httpUrlSchema } from './url-schema.js';

/** The polled URL answered with an unexpected status or an unreadable body. */
export class HttpFeedError extends HomeostatError {
  constructor(message: string) {
    super('E_HTTP_FEED', message, { retryable: true });
  }
}

const pointerSchema = z.string().refine(isJsonPointer, { message: "a JSON pointer: '' or '/a/0/b'" });

/** Declaration of an `http` feed: a URL, and either a JSON pointer or a metric of a text exposition. */
export const httpFeedSchema = z
  .strictObject({
    kind: z.literal('http'),
    ...feedCommonShape,
    /** URL to GET; a template over the entity (`http://127.0.0.1:{{config.port}}/metrics`). */
    url: httpUrlSchema,
    /** Take the value at this JSON pointer of a JSON body. */
    pointer: pointerSchema.optional(),
    /** Take the value of one series of a Prometheus text exposition. */
    metric: z.strictObject({ name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'a metric name'), labels: z.record(z.string(), z.string()).default({}) }).optional(),
    /** Expected status; default any 2xx. */
    status: z.number().int().min(100).max(599).optional(),
    ...feedRequestShape,
  })
  .refine((d) => (d.pointer === undefined) !== (d.metric === undefined), { message: "an http feed needs exactly one of 'pointer' (JSON) or 'metric' (Prometheus text)" });
export type HttpFeedDecl = z.output<typeof httpFeedSchema>;

/**
 * The `http` feed kind: GETs a URL per poll and takes one value, by JSON pointer from a JSON body or by
 * metric name and labels from a Prometheus text exposition. A value that is absent is a missing reading.
 */
export const httpFeed: FeedKind<HttpFeedDecl> = {
  name: 'http',
  description: 'poll a URL; a value by JSON pointer, or a metric of a Prometheus text exposition',
  schema: httpFeedSchema,
  templates: (decl) => [{ path: ['url'], text: decl.url }, ...Object.entries(decl.metric?.labels ?? {}).map(([k, v]) => ({ path: ['metric', 'labels', k], text: v }))],
  create(decl, entity, context) {
    return async (signal) => {
      const scope = entityContext(entity);
      const url = renderTemplate(decl.url, scope);
      const { headers, secrets } = await requestHeaders(decl, context.env);
      try {
        const { response, text: body } = await fetchText(url, { signal, headers });
        const host = new URL(url).host;
        const ok = decl.status === undefined ? response.ok : response.status === decl.status;
        if (!ok) throw new HttpFeedError(`HTTP ${response.status} from ${host}`);
        if (decl.metric) {
          const labels = Object.fromEntries(Object.entries(decl.metric.labels).map(([k, v]) => [k, renderTemplate(v, scope)]));
          const value = seriesValue(body, host, decl.metric.name, labels);
          return value === undefined ? missing(entity, `no series ${decl.metric.name}${JSON.stringify(labels)}`) : { samples: [{ entity, value: numberFor(entity, decl.sensor, value) }], missing: [] };
        }
        // a server that echoes the credentials into the value read: the reading is kept without them
        return scrubResult(fromJson(entity, body, decl.pointer ?? '', `the answer of ${host}`), secrets);
      } catch (error) {
        // a server that echoes the credentials in its answer: the error leaves without them
        throw scrubError(error, secrets);
      }
    };
  },
};

/**
 * A JSON body's value at a pointer; absent is missing, unparseable is an error that names `source` (what
 * the text came from, e.g. `the answer of db:8080`).
 */
export function fromJson(entity: Entity, text: string, pointer: string, source = 'the body'): FeedResult {
  const body = withoutByteOrderMark(text);
  const nesting = jsonNestingProblem(body);
  if (nesting !== undefined) throw new HttpFeedError(`${source} is not taken: ${nesting}`);
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch {
    throw new HttpFeedError(`${source} is not JSON (${body.slice(0, 60)})`);
  }
  try {
    return { samples: [{ entity, value: resolvePointer(document, pointer) }], missing: [] };
  } catch (error) {
    return missing(entity, (error as Error).message);
  }
}

/** A feed result with every secret of the poll replaced by `[secret]` in its values and missing reasons. */
export function scrubResult(result: FeedResult, secrets: readonly string[]): FeedResult {
  if (secrets.length === 0) return result;
  return {
    samples: result.samples.map((sample) => ({ ...sample, value: scrubSecrets(sample.value, secrets) })),
    missing: result.missing.map((m) => ({ ...m, reason: scrubSecrets(m.reason, secrets) })),
  };
}

/** The samples of an exposition; one that cannot be parsed is an error naming the host it came from. */
function seriesValue(body: string, host: string, name: string, labels: Readonly<Record<string, string>>): number | undefined {
  try {
    return selectSeries(body, name, labels);
  } catch (error) {
    if (error instanceof ExpositionError) throw new ExpositionError(`the answer of ${host} is ${error.message}`);
    throw error;
  }
}

function missing(entity: Entity, reason: string): FeedResult {
  return { samples: [], missing: [{ entity, reason }] };
}
