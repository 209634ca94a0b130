import { Registry, Gauge, Histogram } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { resolvePointer, isJsonPointer } from '../../../src/sensors/feeds/json-pointer.js';
import { parseExposition, selectSample } from '../../../src/sensors/feeds/prom-text.js';
import { sampleNumber } from '../../../src/sensors/feeds/prometheus-api.js';
import { renderTemplate, templateFields } from '../../../src/sensors/feeds/template.js';

describe('templates', () => {
  it('names and renders fields; a missing or non-scalar field is an error, never an empty hole', () => {
    expect(templateFields('up{instance="h:{{ config.port }}", job="{{id}}"}')).toEqual(['config.port', 'id']);
    expect(renderTemplate('x{i="{{config.port}}",m="{{member.id}}"}', { config: { port: 9 }, member: { id: 'w1' } })).toBe('x{i="9",m="w1"}');
    expect(() => renderTemplate('{{config.port}}', { config: {} })).toThrow(/'config.port' has no value/);
    expect(() => renderTemplate('{{config}}', { config: { a: 1 } })).toThrow(/not a string, number or boolean/);
    expect(() => templateFields('{{ 1 + 2 }}')).toThrow(/not a field name/);
    expect(() => templateFields('a {{id')).toThrow(/unbalanced/);
    expect(() => renderTemplate('{{constructor.name}}', {})).toThrow(/has no value/);
  });
});

describe('JSON pointers (RFC 6901)', () => {
  const doc = { data: { 'a/b': 1, 'm~n': 2, list: [10, 20] }, zero: 0 };
  it('resolves tokens with escapes and array indexes', () => {
    expect(resolvePointer(doc, '/data/a~1b')).toBe(1);
    expect(resolvePointer(doc, '/data/m~0n')).toBe(2);
    expect(resolvePointer(doc, '/data/list/1')).toBe(20);
    expect(resolvePointer(doc, '/zero')).toBe(0);
    expect(resolvePointer(doc, '')).toBe(doc);
  });
  it('says where a pointer stops resolving, and refuses what is not a pointer', () => {
    expect(() => resolvePointer(doc, '/data/list/2')).toThrow('nothing at /data/list/2');
    expect(() => resolvePointer(doc, '/data/list/01')).toThrow('nothing at /data/list/01');
    expect(() => resolvePointer(doc, '/data/__proto__')).toThrow('nothing at');
    expect(isJsonPointer('data/x')).toBe(false);
    expect(isJsonPointer('/a~2')).toBe(false);
  });
});

describe('Prometheus text expositions', () => {
  it('reads what prom-client writes: labels with escapes, histograms as _bucket/_sum/_count series', async () => {
    const registry = new Registry();
    new Gauge({ name: 'queue_depth', help: 'depth', labelNames: ['queue'], registers: [registry] }).labels('a "quoted" \\ name').set(7);
    const h = new Histogram({ name: 'latency_seconds', help: 'lat', buckets: [0.1, 1], registers: [registry] });
    h.observe(0.05);
    h.observe(0.5);
    const samples = parseExposition(await registry.metrics());
    expect(selectSample(samples, 'queue_depth', { queue: 'a "quoted" \\ name' })).toBe(7);
    expect(selectSample(samples, 'latency_seconds_bucket', { le: '0.1' })).toBe(1);
    expect(selectSample(samples, 'latency_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(selectSample(samples, 'latency_seconds_count')).toBe(2);
    expect(selectSample(samples, 'latency_seconds_sum')).toBeCloseTo(0.55);
    expect(selectSample(samples, 'queue_depth', { queue: 'other' })).toBeUndefined();
    expect(() => selectSample(samples, 'latency_seconds_bucket')).toThrow(/3 series/);
  });
  it('refuses text of another kind (HTML, JSON) as not an exposition, where the parser found nothing in it', () => {
    expect(() => parseExposition('<html><body>502 Bad Gateway</body></html>')).toThrow('not a Prometheus text exposition: no sample line in it (it starts "<html><body>502 Bad Gateway</body></html")');
    expect(() => parseExposition('{"status":"ok"}')).toThrow(/not a Prometheus text exposition: no sample line in it/);
    // an exposition of nothing (comments, blank lines) is one: its series are missing, not a failed read
    expect(parseExposition('# HELP x nothing yet\n\n')).toEqual([]);
    expect(parseExposition('')).toEqual([]);
  });
  it('keeps NaN and infinities as such (the sensor rejects them), never zero', () => {
    const samples = parseExposition('a NaN\nb +Inf\nc -Inf\nd 1e3\n');
    expect(selectSample(samples, 'a')).toBeNaN();
    expect(selectSample(samples, 'b')).toBe(Infinity);
    expect(selectSample(samples, 'c')).toBe(-Infinity);
    expect(selectSample(samples, 'd')).toBe(1000);
    expect(sampleNumber('')).toBeNaN();
    expect(sampleNumber('+Inf')).toBe(Infinity);
  });
});
