import fc from 'fast-check';
import { FUZZ_TOKENS } from './route-fuzz-fixture.js';

/**
 * Generators of bad input for the API's routes: adversarial strings, numbers, JSON values and bodies, path
 * segments and query strings (percent-encoded by hand, so that malformed encodings and duplicate keys go out as
 * written).
 */

/** Strings that have broken parsers: number look-alikes, prototype keys, control and bidi characters, paths. */
export const nastyString = fc.oneof(
  fc.constantFrom(
    '', ' ', '0', '-0', '-1', '1.5', '1e309', '-1e309', 'NaN', 'Infinity', '-Infinity', '0x10', '0b1', '1_000', '１２',
    '9007199254740993', ' 5 ', 'true', 'null', 'undefined', '[]', '{}', '__proto__', 'constructor', 'prototype',
    'toString', 'hasOwnProperty', 'valueOf', '../..', '..', '.', '/', '\\', '%', '%00', '\u0000', '\u202e', '\ufeff',
    '😀', 'e\u0301', 'web', 'web-1', 'db', 'app', 'shop', 'web/autoscaler', 'decision', 'sensor', 'decision,sensor',
    'decision,,', ',', 'tree', 'list', 'trivy', 'grype', 'osv', 'auto',
  ),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.integer({ min: 1, max: 20_000 }).map((n) => 'a'.repeat(n)),
);

/** Numbers at and past every edge. */
export const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 0.5, 2 ** 31, 2 ** 31 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e15, 1e21, 1e308, -1e308, Number.MIN_VALUE, 10_000, 10_001, 600_000, 600_001),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -10, max: 20 }),
);

/** A JSON value of any shape, with nasty leaves and keys (prototype keys among them). */
export const nastyJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    nastyNumber,
    nastyString,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(nastyString, fc.constantFrom('size', 'member', 'value', 'config', 'enabled', 'reason', 'alerts', 'version', 'Results')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Text that is JSON of a nesting depth from 1 to 5 000, of objects or arrays. */
export const deepJson = fc.record({ depth: fc.integer({ min: 1, max: 5_000 }), open: fc.constantFrom('{"a":', '[', '{"value":', '{"config":') }).map(({ depth, open }) => {
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}1${close.repeat(depth)}`;
});

/** Bodies that are not quite JSON, or JSON that is not an object. */
export const oddBodyText = fc.constantFrom(
  '', ' ', '\n', 'null', '[]', '[{}]', '"x"', '1', 'true', '{', '}', '{"a":1}{"b":2}', '\ufeff{}', '{"a":1,}', "{'a':1}",
  'NaN', '1e999', '{"value":1e999}', '{"size":1e999}', '{"__proto__":{}}', '{"constructor":{"prototype":{}}}',
  '{"value":"\\ud800"}', '{"a":"\u0000"}', 'a=1&b=2', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--',
);

/** A body made of the route's own keys (and some others), each holding a nasty value. */
export function bodyOf(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 4 }, nastyString);
  return fc.dictionary(key, nastyJson, { maxKeys: 4 }).map((o) => JSON.stringify(o));
}

/** A body for a route taking `keys`: mostly its own keys, else anything. */
export function bodies(keys: readonly string[]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { arbitrary: bodyOf(keys), weight: 5 },
    { arbitrary: nastyJson.map((v) => JSON.stringify(v) ?? 'null'), weight: 2 },
    { arbitrary: oddBodyText, weight: 2 },
    { arbitrary: deepJson, weight: 1 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
}

/** Content types a client may send with a body. */
export const contentType = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 6 },
  fc.constantFrom(
    undefined, '', 'APPLICATION/JSON', 'application/json; charset=utf-8', 'application/json;charset="UTF-8"',
    'application/json; charset=latin1', 'application/json; charset=', 'application/json; boundary=x; charset=utf-16',
    'application/vnd.api+json', 'text/plain', 'text/plain; charset=utf-8', 'application/octet-stream',
    'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/json', 'application/json, text/plain',
    '*/*', 'application/', ';', 'application/json\t',
  ),
);

/** A path segment, percent-encoded, or one of a few malformed encodings as they are. */
export function segment(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known).map(encodeURIComponent), weight: 5 },
    { arbitrary: nastyString.map(wellFormed).map(encodeURIComponent), weight: 3 },
    fc.constantFrom('%', '%zz', '%E0%A4%A', '%ED%A0%80', '%C0%AF', '%00', '%2e%2e', '..', '.', '%252F', 'web%2F..%2Fdb', ';x', 'web;a=b'),
  );
}

/**
 * Cursors in the shape the paged routes give (base64url JSON of where a page ended), with values no page gave:
 * ids of other entities or none, places past the tree, counts past the items, depths and scope indexes out of
 * range. They pass the cursor's schema, so they reach the walks.
 */
export const forgedCursor = fc.oneof(
  fc.record({ s: fc.nat(5), id: fc.constantFrom('app', 'web', 'web-1', 'db', 'swim', 'shop', 'ghost', ''), at: fc.array(fc.oneof(fc.nat(4), fc.constantFrom(2 ** 31, 2 ** 53 - 1)), { maxLength: 8 }), k: fc.oneof(fc.nat(5), fc.constant(2 ** 53 - 1)) }),
  fc.record({ r: fc.constantFrom('app', 'web', 'db', 'shop', 'ghost'), d: fc.oneof(fc.nat(5), fc.constant(100)), id: fc.constantFrom('app', 'web', 'web-1', 'db', 'swim', 'shop', 'ghost', ''), at: fc.array(fc.oneof(fc.nat(4), fc.constant(2 ** 31)), { maxLength: 8 }) }),
).map((state) => Buffer.from(JSON.stringify(state)).toString('base64url'));

/** A query string of pairs of the route's keys (and others), duplicates kept, values nasty or malformed. */
export function queryOf(keys: readonly string[]): fc.Arbitrary<string> {
  const key = fc.oneof(
    { arbitrary: fc.constantFrom(...keys), weight: 5 },
    fc.constantFrom('__proto__', 'constructor', 'x', '', ...keys.flatMap((k) => [`${k}[]`, `${k}[0]`, `${k}.a`, k.toUpperCase()])),
  );
  const value = fc.oneof(
    { arbitrary: nastyString.map(wellFormed).map(encodeURIComponent), weight: 5 },
    { arbitrary: forgedCursor, weight: keys.includes('cursor') ? 4 : 0 },
    fc.constantFrom('%', '%zz', '%E0%A4%A', '+', '%2B', '1%00', '1%20', '1;2', '1&', '=', '1=2'),
  );
  const pair = fc.oneof({ arbitrary: fc.tuple(key, value).map(([k, v]) => `${k}=${v}`), weight: 6 }, key);
  return fc.oneof(
    { arbitrary: fc.array(pair, { minLength: 1, maxLength: 5 }).map((pairs) => `?${pairs.join('&')}`), weight: 6 },
    fc.constantFrom('', '?', '?&', '?&&=&', '??limit=1', '?#'),
  );
}

/** Who calls: mostly callers the route answers, sometimes a caller it refuses. */
export const token = fc.oneof(
  { arbitrary: fc.constantFrom(FUZZ_TOKENS.admin, FUZZ_TOKENS.operator), weight: 6 },
  fc.constantFrom<string | undefined>(FUZZ_TOKENS.viewer, FUZZ_TOKENS.scoped, FUZZ_TOKENS.tenant, undefined, 'x', `${FUZZ_TOKENS.admin} `),
);

/** `text` with lone surrogates replaced (encodeURIComponent throws on them). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udfff]/g, '\ufffd');
}
