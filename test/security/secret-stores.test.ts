import { inspect } from 'node:util';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../src/blueprint/load.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { RedisStore } from '../../src/knowledge/redis/redis-store.js';
import type { KnowledgeStore } from '../../src/knowledge/store.js';
import { poke, testServer } from '../effectors/kinds/fixtures.js';
import { TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/until.js';

const SECRET = 'sk-store-5c2a9e71d04b8f36a1ce';
const ENV = 'STORE_LEAK_TEST_SECRET';

/** Every encoding of the secret a leak could take: as is, base64, and inside basic credentials. */
const forms = [SECRET, Buffer.from(SECRET).toString('base64'), Buffer.from(`ops:${SECRET}`).toString('base64')];

const cleanups: Array<() => Promise<unknown>> = [];
let redis: TestRedisServer;
beforeAll(async () => {
  process.env[ENV] = SECRET;
  redis = await TestRedisServer.start();
  cleanups.push(() => redis.dispose());
});
afterAll(async () => {
  delete process.env[ENV];
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

/**
 * A real run in process: two feeds send the secret (basic auth, a header) to a target that echoes every
 * credential into the reading one feed keeps; effectors get it in headers, an env and their params (through
 * a policy's plan, so decisions carry the reference), and echo it back, failing and succeeding.
 */
async function run(store: KnowledgeStore): Promise<void> {
  const echo = (req: { headers: Record<string, unknown> }): string => `auth=${String(req.headers['authorization'])} key=${String(req.headers['x-api-key'])}`;
  const target = await testServer((req, n) => (n % 3 === 1 ? { status: 500, body: `denied ${echo(req)}` } : { status: 200, body: JSON.stringify({ depth: n, note: echo(req), seen: req.body }) }));
  cleanups.push(() => target.close());
  const credentials = `auth: { basic: { username: ops, password: { secret: { env: ${ENV} } } } }
      headers: { X-Api-Key: { secret: { env: ${ENV} } } }`;
  const printer = `process.stdout.write('token ' + process.env.TOKEN + ' mode ' + process.argv[1]); process.exit(process.argv[1] === 'fail' ? 3 : 0)`;
  const text = `name: store-leaks
application:
  id: svc
  sensors:
    - { name: depth }
    - { name: note, type: string }
    - { name: trigger, type: json, pushable: true }
  feeds:
    - kind: http
      sensor: depth
      url: "${target.url}/stats"
      pointer: /depth
      every: 200ms
      jitter: 0
      ${credentials}
    - kind: http
      sensor: note
      url: "${target.url}/note"
      pointer: /note
      every: 200ms
      jitter: 0
      ${credentials}
  effectors:
    - name: call
      kind: http
      url: "${target.url}/call"
      headers: { Authorization: { secret: { env: ${ENV} }, prefix: "Bearer " } }
    - name: print
      kind: exec
      argv: [${JSON.stringify(process.execPath)}, -e, ${JSON.stringify(printer)}, --, "{{params.mode}}"]
      params: { mode: string }
      env: { TOKEN: { secret: { env: ${ENV} } } }
  policies:
    - use: poke
      config: { effector: print }
`;
  const blueprint = await parseBlueprint(text, path.resolve('store-leaks.yaml'), { policies: new Map([['poke', poke]]) });
  const deployment = await Deployment.create(blueprint, { store });
  deployment.start();
  const svc = deployment.tree.get('svc');
  // plans whose params hold the secret's reference: resolved at invocation, echoed by the program
  svc.sensor('trigger').publish({ mode: { secret: { env: ENV } } });
  await until('the first plan ran', 10_000, async () => ((await store.queryInvocations({ limit: 10 })).length >= 1 ? true : undefined));
  svc.sensor('trigger').publish({ mode: 'fail' });
  await until('the second plan ran', 10_000, async () => ((await store.queryInvocations({ limit: 10 })).length >= 2 ? true : undefined));
  for (let i = 0; i < 3; i++) await deployment.engine.invokeHeld(svc, 'call', {}, { caller: { kind: 'person', name: 'test' } }).catch(() => undefined);
  await until('the feeds failed and read the echo', 10_000, async () => (target.seen.length >= 8 && typeof svc.sensor('note').value === 'string' ? true : undefined));
  // the secret was really sent and echoed back
  expect(target.seen.map((r) => r.headers['x-api-key'])).toContain(SECRET);
  await deployment.stop({ graceMs: 5_000 });
}

describe('a known secret value in the knowledge stores', () => {
  it('is in none of the memory store: decisions, invocation records, faults, policy state, sensor snapshots', async () => {
    const store = new MemoryStore();
    await run(store);
    const queried = {
      decisions: await store.queryDecisions({ limit: 10_000 }),
      invocations: await store.queryInvocations({ limit: 10_000 }),
      faults: await store.queryFaults({ limit: 10_000 }),
      states: [...(await store.loadPolicyStates()).entries()].map(([policy, state]) => [policy, [...state.entries()]]),
      snapshots: await store.loadSnapshots(),
    };
    // not a vacuous scan: the plans, their invocations (one failed) and the echoed reading are there
    expect(queried.decisions.some((d) => d.policyName === 'poke')).toBe(true);
    expect(new Set(queried.invocations.map((i) => `${i.effector} ${i.outcome}`))).toEqual(new Set(['print succeeded', 'print failed', 'call succeeded', 'call failed']));
    // the program printed the secret it got: the record holds the marker in its place
    expect(JSON.stringify(queried.invocations)).toContain('token [secret] mode [secret]');
    expect(queried.snapshots.find((s) => s.sensor === 'note')?.value).toMatch(/^auth=Basic /);
    const everything = `${JSON.stringify(queried)}\n${inspect(store, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity })}`;
    for (const form of forms) expect(everything.includes(form), `the memory store holds ${form}`).toBe(false);
  }, 60_000);

  it('is in none of the Redis store: every key and every value of every type, on a real redis-server', async () => {
    const namespace = 'leaks';
    await run(new RedisStore({ url: redis.url, namespace }));
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    cleanups.push(() => client.quit());
    const dump: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await client.type(key);
        const value =
          type === 'string' ? await client.get(key)
          : type === 'hash' ? await client.hgetall(key)
          : type === 'list' ? await client.lrange(key, 0, -1)
          : type === 'set' ? await client.smembers(key)
          : type === 'zset' ? await client.zrange(key, '0', '-1', 'WITHSCORES')
          : type === 'stream' ? await client.xrange(key, '-', '+')
          : `unread type ${type}`;
        dump.push(`${key} ${type} ${JSON.stringify(value)}`);
      }
    } while (cursor !== '0');
    const text = dump.join('\n');
    // not a vacuous scan: decisions, invocations, state and the echoed reading are in Redis
    expect(dump.length).toBeGreaterThan(3);
    expect(text).not.toContain('unread type');
    expect(text).toContain('poke');
    expect(text).toContain('token [secret] mode [secret]');
    expect(text).toContain('auth=Basic');
    for (const form of forms) expect(text.includes(form), `Redis holds ${form}`).toBe(false);
  }, 60_000);
});
