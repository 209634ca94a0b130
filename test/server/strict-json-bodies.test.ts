// A JSON body that loses what the client sent is refused, on every route that reads one: a key twice in one
// object was read with the last value winning (`{"dryRun": true, "dryRun": false}` meant false, silently), and
// bytes that are not UTF-8 became U+FFFD (a string sent was not the string stored). Each is now a 400 naming
// the key and its path, or the byte offset.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { serve } from '../../src/server/serve.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

const ADMIN = 'admin-token-000000000000';
const OPERATOR = 'operator-token-00000000';
const AM_TOKEN = 'alertmanager-token-0123456789';

let url = '';
let deployment: Deployment;
let close: () => Promise<void>;

beforeAll(async () => {
  const clock = new VirtualClock();
  const blueprint = await parseBlueprint(`
name: strict
application:
  id: app
  children:
    - id: web
      type: cluster
      config: { initialSize: 1 }
      memberSpec: { type: sim.server, config: { bootTime: 1s } }
      sensors: [{ name: demand, type: number, staleAfter: 1h }]
      policies:
        - use: autoscaler
          config: { metric: demand, target: 1, basis: total, max: 5, evaluationInterval: 1h }
    - id: db
      type: sim.database
      config: { role: primary }
      sensors: [{ name: notes, type: json, pushable: true }, { name: bulk, type: json, pushable: true }, { name: vulnerabilities, type: json, pushable: true }]
`, path.resolve('strict.yaml'));
  deployment = await Deployment.create(blueprint, { scheduler: clock });
  deployment.start();
  await clock.advanceBy(2000);
  const server = await serve(deployment, {
    port: 0,
    auth: { tokens: [{ token: ADMIN, name: 'alice', role: 'admin' }, { token: OPERATOR, name: 'oscar', role: 'operator' }] },
    alertmanager: { token: AM_TOKEN },
  });
  url = server.url;
  close = async () => {
    await server.app.close();
    await deployment.stop();
  };
});

afterAll(async () => close?.());

/** Sends `body` (text, or bytes as they are) to a route and reads the answer as JSON. */
async function send(method: string, route: string, body: string | Uint8Array, options: { token?: string; contentType?: string } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: { authorization: `Bearer ${options.token ?? OPERATOR}`, 'content-type': options.contentType ?? 'application/json' },
    body,
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const invoke = (body: string | Uint8Array) => send('POST', '/entities/db/effectors/fence', body);
const push = (body: string | Uint8Array) => send('POST', '/entities/db/sensors/notes', body);

/** UTF-8 bytes of `before`, then `raw` as they are, then UTF-8 bytes of `after`. */
const bytesOf = (before: string, raw: number[], after: string): Uint8Array => Buffer.concat([Buffer.from(before), Buffer.from(raw), Buffer.from(after)]);

describe('a key twice in one object', () => {
  it('is refused at the top level, naming the key, its path and where the second one is', async () => {
    const refused = await invoke('{"dryRun": true, "dryRun": false}');
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'E_BODY_JSON' });
    expect(refused.json['error']).toBe("the body's JSON has the key 'dryRun' twice in one object, at dryRun (the second at character 17): only the last value would be kept, so the body is refused");
  });

  it('is refused nested, with the path to it (an effector invocation and a policy config change)', async () => {
    const refused = await invoke('{"params": {"replicas": 3, "replicas": 30}}');
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toMatch(/^the body's JSON has the key 'replicas' twice in one object, at params\.replicas \(the second at character 27\)/);
    const config = await send('PUT', '/policies/web%2Fautoscaler/config', '{"config": {"metric": "demand", "target": 1, "max": 5, "max": 50}}', { token: ADMIN });
    expect(config.status).toBe(400);
    expect(config.json['error']).toMatch(/key 'max' twice in one object, at config\.max /);
    expect((deployment.engine.attachment('web/autoscaler').config as { max: number }).max).toBe(5);
  });

  it('is refused inside arrays, with their indexes in the path', async () => {
    const refused = await push('{"value": [1, {"a": 1}, {"list": [{"x": 1, "y": 2, "x": 3}]}]}');
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toMatch(/key 'x' twice in one object, at value\.2\.list\.0\.x /);
    expect(deployment.tree.get('db').sensor('notes').current).toBeUndefined();
  });

  it('counts keys that differ only by escapes as one key', async () => {
    const refused = await push('{"value": {"a": 1, "\\u0061": 2}}');
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toMatch(/key 'a' twice in one object, at value\.a \(the second at character 19\)/);
    const pair = await push('{"value": {"😀": 1, "\\ud83d\\ude00": 2}}');
    expect(pair.json['error']).toMatch(/key '😀' twice in one object, at value\.😀 /);
    expect((await push('{"value": 1, "\\u0076alue": 2}')).json['error']).toMatch(/key 'value' twice in one object, at value /);
  });

  it('is refused in an object of many keys, and the same key in two objects is not a duplicate', async () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `"k${i}": ${i}`);
    const bulk = (body: string) => send('POST', '/entities/db/sensors/bulk', body);
    const refused = await bulk(`{"value": {${keys.join(', ')}, "k4321": 0}}`);
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toMatch(/key 'k4321' twice in one object, at value\.k4321 /);
    expect((await bulk(`{"value": [{${keys.join(', ')}}, {${keys.join(', ')}}]}`)).status).toBe(200);
  });

  it('is refused on the Alertmanager webhook and the findings route (as text/plain too)', async () => {
    const alerts = await send('POST', '/alertmanager', '{"version": "4", "status": "firing", "status": "resolved", "alerts": []}', { token: AM_TOKEN });
    expect(alerts.status).toBe(400);
    expect(alerts.json['error']).toMatch(/key 'status' twice in one object, at status /);
    for (const contentType of ['application/json', 'text/plain', 'application/octet-stream']) {
      const report = await send('POST', '/entities/db/findings?format=osv', '{"results": [], "results": [{"packages": []}]}', { contentType });
      expect(report.status, contentType).toBe(400);
      expect(report.json, contentType).toMatchObject({ code: 'E_BODY_JSON' });
      expect(String(report.json['error']), contentType).toMatch(/key 'results' twice in one object, at results /);
    }
    expect(deployment.tree.get('db').sensor('vulnerabilities').current).toBeUndefined();
  });

  it('is told only once the body is JSON: a body that is not says where it stops being JSON', async () => {
    const refused = await invoke('{"a": 1, "a": 2,}');
    expect(refused.json['error']).toMatch(/^the body is not JSON: /);
  });
});

describe('bytes that are not UTF-8', () => {
  it.each([
    ['a lone continuation byte', [0x80], /at byte offset 11, a continuation byte \(0x80\) with no lead byte before it/],
    ['an overlong encoding of "/"', [0xc0, 0xaf], /at byte offset 11, 0xc0 starts an overlong encoding/],
    ['an overlong three-byte encoding', [0xe0, 0x80, 0xaf], /at byte offset 11, 0xe0 0x80 starts an overlong encoding/],
    ['a sequence cut short by a quote', [0xe2, 0x82], /at byte offset 11, 0xe2 starts a 3-byte sequence cut short after 2 \(byte 13 is 0x22, not a continuation byte\)/],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], /at byte offset 11, 0xed 0xa0 encodes a UTF-16 surrogate/],
    ['a byte never in UTF-8', [0xff], /at byte offset 11, 0xff is never a byte of UTF-8/],
  ])('refuses %s, saying at which byte, and stores nothing', async (_name, raw, message) => {
    const refused = await push(bytesOf('{"value": "', raw, '"}'));
    expect(refused.status).toBe(400);
    expect(refused.json).toMatchObject({ code: 'E_BODY_JSON' });
    expect(refused.json['error']).toMatch(/^the body is not valid UTF-8: /);
    expect(refused.json['error']).toMatch(message);
    expect(deployment.tree.get('db').sensor('notes').current).toBeUndefined();
  });

  it('refuses a sequence the end of the body cuts short', async () => {
    const refused = await invoke(bytesOf('{}', [0xf0, 0x9f, 0x98], ''));
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toBe('the body is not valid UTF-8: at byte offset 2, 0xf0 starts a 4-byte sequence that the end of the bytes cuts short after 3');
  });

  it('is refused on the Alertmanager webhook and the findings route, whatever the content type', async () => {
    const alerts = await send('POST', '/alertmanager', bytesOf('{"version": "4', [0xc3], '"}'), { token: AM_TOKEN });
    expect(alerts.status).toBe(400);
    expect(alerts.json['error']).toMatch(/^the body is not valid UTF-8: at byte offset 14, /);
    for (const contentType of ['application/json', 'text/plain', 'application/octet-stream']) {
      const report = await send('POST', '/entities/db/findings', bytesOf('{"results": [{"x": "', [0xa9], '"}]}'), { contentType });
      expect(report.status, contentType).toBe(400);
      expect(String(report.json['error']), contentType).toMatch(/not valid UTF-8: at byte offset 20, a continuation byte \(0xa9\)/);
    }
  });
});

describe('bodies that are UTF-8 JSON with each key once', () => {
  it('are taken unchanged: escapes, surrogate pairs, characters of every length', async () => {
    const body = '{"value": {"escaped": "\\u00e9\\u4e2d\\ud83d\\ude00\\n\\"", "raw": "é中😀", "keys": {"a": 1, "\\u0062": 2, "A": 3, "a ": 4, "": 5}}}';
    const pushed = await push(body);
    expect(pushed.status).toBe(200);
    expect(deployment.tree.get('db').sensor('notes').current?.value).toEqual(JSON.parse(body).value);
    expect(deployment.tree.get('db').sensor('notes').current?.value).toEqual({ escaped: 'é中😀\n"', raw: 'é中😀', keys: { a: 1, b: 2, A: 3, 'a ': 4, '': 5 } });
  });

  it('still refuse a __proto__ key (escaped or not) as before, and take a key that only looks like one', async () => {
    for (const key of ['__proto__', '__pro\\u0074o__']) {
      const refused = await push(`{"value": {"__proto__x": 1, "${key}": {"admin": true}}}`);
      expect(refused.status).toBe(400);
      expect(refused.json['error']).toBe("the body's JSON has a key '__proto__' at value, which is refused (it could change the prototype of objects made from it)");
    }
    expect((await push('{"value": {"__proto__x": 1, "proto": 2, "prototype": 3}}')).status).toBe(200);
  });

  it('take a byte-order mark no differently than before (JSON has none: it is refused as not JSON)', async () => {
    const refused = await invoke(bytesOf('', [0xef, 0xbb, 0xbf], '{}'));
    expect(refused.status).toBe(400);
    expect(refused.json['error']).toMatch(/^the body is not JSON: /);
  });
});
