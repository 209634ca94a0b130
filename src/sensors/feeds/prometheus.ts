import { z } from 'zod';
import type { Entity } from '../../core/entity.js';
import { entityContext, numberFor } from './entity-context.js';
import { feedCommonShape, type FeedKind, type FeedResult, type FeedSample } from './feed-kind.js';
import { PrometheusQueryError, instantQuery, sampleNumber, type PromSample } from './prometheus-api.js';
import { scrubError } from '../../core/secret-ref.js';
import { feedRequestShape, requestHeaders } from './secret-source.js';
import { renderTemplate } from './template.js';
import { httpUrlSchema } from './url-schema.js';

/** Declaration of a `prometheus` feed. */
export const prometheusFeedSchema = z.strictObject({
  kind: z.literal('prometheus'),
  ...feedCommonShape,
  /** Base URL of the Prometheus HTTP API, e.g. http://127.0.0.1:9090. */
  url: httpUrlSchema,
  /** PromQL instant query; a template over the entity (`{{id}}`, `{{config.port}}`). */
  query: z.string({ error: "a prometheus feed needs a 'query' (PromQL)" }).min(1, 'the query is empty'),
  ...feedRequestShape,
  /**
   * Fan-out: the query returns one series per member; each series goes to the member whose `key` (a
   * template over `member.*`, default `{{member.id}}`) equals the series' `label`.
   */
  fanOut: z.strictObject({ label: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a Prometheus label name'), key: z.string().min(1).default('{{member.id}}') }).optional(),
});
export type PrometheusFeedDecl = z.output<typeof prometheusFeedSchema>;

/**
 * The `prometheus` feed kind: a PromQL instant query per poll. One series feeds the entity's sensor; with
 * `fanOut`, one vector query feeds every member. An empty result is a missing reading, "NaN" and "+Inf"
 * are rejected readings, HTTP errors and timeouts are failed polls: all counted, none read as zero.
 */
export const prometheusFeed: FeedKind<PrometheusFeedDecl> = {
  name: 'prometheus',
  description: 'PromQL instant query against a Prometheus HTTP API',
  schema: prometheusFeedSchema,
  templates: (decl) => [{ path: ['query'], text: decl.query }, ...(decl.fanOut ? [{ path: ['fanOut', 'key'], text: decl.fanOut.key, perMember: true }] : [])],
  fansOut: (decl) => decl.fanOut !== undefined,
  create(decl, entity, context) {
    return async (signal) => {
      const query = renderTemplate(decl.query, entityContext(entity));
      const { headers, secrets } = await requestHeaders(decl, context.env);
      let samples: PromSample[];
      try {
        samples = await instantQuery(decl.url, query, { signal, headers });
      } catch (error) {
        // a proxy that echoes the credentials in its answer: the error leaves without them
        throw scrubError(error, secrets);
      }
      return decl.fanOut ? fanOut(entity, decl.sensor, decl.fanOut, samples) : single(entity, decl.sensor, samples);
    };
  },
};

function single(entity: Entity, sensor: string, samples: readonly PromSample[]): FeedResult {
  if (samples.length > 1) throw new PrometheusQueryError(`the query returned ${samples.length} series for one sensor; aggregate it (sum, max, ...) or use fanOut`);
  const sample = samples[0];
  if (!sample) return { samples: [], missing: [{ entity, reason: 'empty result' }] };
  return { samples: [{ entity, value: numberFor(entity, sensor, sampleNumber(sample.value)) }], missing: [] };
}

/**
 * Maps the series of one vector to the group's members: each member's key (a template over `member.*`) is
 * looked up among the values of `label`; a member with no series, or with several, gets no value (missing).
 */
export function fanOut(group: Entity, sensor: string, spec: { label: string; key: string }, samples: readonly PromSample[]): FeedResult {
  const byKey = new Map<string, PromSample | null>();
  for (const sample of samples) {
    const key = sample.labels[spec.label];
    // two series for one key: ambiguous, so neither is used
    if (key !== undefined) byKey.set(key, byKey.has(key) ? null : sample);
  }
  const out: FeedSample[] = [];
  const missing: Array<{ entity: Entity; reason: string }> = [];
  const base = entityContext(group);
  for (const member of group.members) {
    const key = spec.key === '{{member.id}}' ? member.id : renderTemplate(spec.key, { ...base, member: entityContext(member) });
    const sample = byKey.get(key);
    if (sample) out.push({ entity: member, value: numberFor(member, sensor, sampleNumber(sample.value)) });
    else missing.push({ entity: member, reason: sample === null ? `several series with ${spec.label}="${key}"` : `no series with ${spec.label}="${key}"` });
  }
  return { samples: out, missing };
}
