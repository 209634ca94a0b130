import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { Decision } from '../../../src/knowledge/decision.js';
import type { InvocationRecord } from '../../../src/effectors/invocation.js';
import { deployEffectors, testServer } from './fixtures.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function run(effectorsYaml: string, params: Record<string, unknown>): Promise<{ decision: Decision; records: InvocationRecord[]; deployment: Deployment }> {
  const deployment = await deployEffectors(effectorsYaml, 'call');
  cleanup.push(() => deployment.stop());
  const records: InvocationRecord[] = [];
  deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  const decided = new Promise<Decision>((resolve) => deployment.engine.decisions$.subscribe(resolve));
  deployment.tree.get('svc').sensor('trigger').publish(params);
  return { decision: await decided, records, deployment };
}

describe('http effectors declared in a blueprint (a real local server)', () => {
  it('sends the templated request with secret headers and the decision id as Idempotency-Key', async () => {
    const target = await testServer(() => ({ status: 202, body: '{"ok":true}' }));
    cleanup.push(() => target.close());
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hs-http-'));
    writeFileSync(path.join(dir, 'key'), 'file-secret\n');
    process.env['HS_TEST_TOKEN'] = 'env-secret';
    const yaml = [
      `    - name: call`,
      `      kind: http`,
      `      method: PUT`,
      `      url: "${target.url}/scale/{{id}}/{{params.service}}?region={{config.region}}"`,
      `      headers: { Authorization: { env: HS_TEST_TOKEN, prefix: "Bearer " }, X-Key: { file: ${path.join(dir, 'key')} }, X-Plain: hello }`,
      `      body: { replicas: "{{params.replicas}}", note: "scale {{params.service}} to {{params.replicas}}" }`,
      `      params: { service: string, replicas: { type: integer, min: 1, max: 50 } }`,
    ].join('\n');
    const { decision, records } = await run(yaml, { service: 'a b/c', replicas: 7 });
    expect(decision.outcome).toBe('applied');
    expect(target.seen).toHaveLength(1);
    const req = target.seen[0];
    expect(req?.method).toBe('PUT');
    expect(req?.url).toBe('/scale/svc/a%20b%2Fc?region=eu-1');
    expect(req?.headers['authorization']).toBe('Bearer env-secret');
    expect(req?.headers['x-key']).toBe('file-secret');
    expect(req?.headers['x-plain']).toBe('hello');
    expect(req?.headers['idempotency-key']).toBe(decision.id);
    expect(JSON.parse(req?.body ?? '')).toEqual({ replicas: 7, note: 'scale a b/c to 7' });
    expect(records[0]).toMatchObject({ outcome: 'succeeded', result: { status: 202, body: { ok: true } } });
    expect(JSON.stringify([decision, records])).not.toMatch(/env-secret|file-secret/);
  });

  it('a target that is down fails the decision with the error; not idempotent: one attempt', async () => {
    const target = await testServer(() => ({ status: 200 }));
    await target.close();
    const { decision, records } = await run(`    - { name: call, kind: http, url: "${target.url}/x", timeout: 2s }`, {});
    expect(decision.outcome).toBe('failed');
    expect(decision.error?.code).toBe('E_HTTP_UNREACHABLE');
    expect(decision.error?.message).toContain('ECONNREFUSED');
    expect(records[0]).toMatchObject({ outcome: 'failed', attempts: 1 });
  });

  it('a failing target is retried only when the effector is declared idempotent, with one key for every attempt', async () => {
    const target = await testServer(() => ({ status: 503, body: 'busy' }));
    cleanup.push(() => target.close());
    const plain = await run(`    - { name: call, kind: http, url: "${target.url}/once" }`, {});
    expect(plain.decision.outcome).toBe('failed');
    expect(target.seen.filter((r) => r.url === '/once')).toHaveLength(1);
    const idempotent = await run(`    - { name: call, kind: http, url: "${target.url}/thrice", idempotent: true, retry: { attempts: 3, delay: 10ms } }`, {});
    expect(idempotent.decision).toMatchObject({ outcome: 'failed', error: { code: 'E_HTTP_STATUS' } });
    expect(idempotent.decision.error?.message).toContain('503: busy');
    const thrice = target.seen.filter((r) => r.url === '/thrice');
    expect(thrice).toHaveLength(3);
    expect(new Set(thrice.map((r) => r.headers['idempotency-key']))).toEqual(new Set([idempotent.decision.id]));
    expect(idempotent.records[0]).toMatchObject({ attempts: 3, error: { detail: { status: 503, body: 'busy' } } });
  });

  it('a 4xx answer is terminal even when idempotent: no retry', async () => {
    const target = await testServer(() => ({ status: 404 }));
    cleanup.push(() => target.close());
    const { decision } = await run(`    - { name: call, kind: http, url: "${target.url}/gone", idempotent: true, retry: { attempts: 3, delay: 10ms } }`, {});
    expect(decision.outcome).toBe('failed');
    expect(target.seen).toHaveLength(1);
  });

  it('a slow target times out: a failed decision, retried only when idempotent', async () => {
    const target = await testServer(() => ({ status: 200, delayMs: 2_000 }));
    cleanup.push(() => target.close());
    const started = performance.now();
    const slow = await run(`    - { name: call, kind: http, url: "${target.url}/slow", timeout: 200ms }`, {});
    expect(slow.decision).toMatchObject({ outcome: 'failed', error: { code: 'E_EFFECTOR_TIMEOUT' } });
    expect(performance.now() - started).toBeLessThan(1_500);
    expect(target.seen).toHaveLength(1);
    const retried = await run(`    - { name: call, kind: http, url: "${target.url}/slow2", timeout: 200ms, idempotent: true, retry: { attempts: 2, delay: 10ms } }`, {});
    expect(retried.decision.outcome).toBe('failed');
    await vi.waitFor(() => expect(target.seen.filter((r) => r.url === '/slow2')).toHaveLength(2));
  });

  it('a target answering an endless body: the status decides, an excerpt is kept and the rest is never read', async () => {
    const sent = { bytes: 0 };
    const server = createServer((_req, res) => {
      const chunk = Buffer.alloc(1 << 20, 'a');
      res.writeHead(200, { 'content-type': 'text/plain' });
      const pump = (): void => {
        while (!res.destroyed) {
          sent.bytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const started = performance.now();
    const { decision, records } = await run(`    - { name: call, kind: http, url: "http://127.0.0.1:${(server.address() as AddressInfo).port}/big", timeout: 20s }`, {});
    expect(decision.outcome).toBe('applied');
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(records[0]).toMatchObject({ outcome: 'succeeded', result: { status: 200, body: `${'a'.repeat(2_048)}...`, bodyTruncated: true } });
    expect(sent.bytes).toBeLessThan(64 * (1 << 20));
  });

  it('a body cut mid-way is said in the result, not dropped silently', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"ok": tr');
      setTimeout(() => res.destroy(), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const { decision, records } = await run(`    - { name: call, kind: http, url: "http://127.0.0.1:${(server.address() as AddressInfo).port}/cut", timeout: 5s }`, {});
    expect(decision.outcome).toBe('applied');
    expect(records[0]).toMatchObject({ outcome: 'succeeded', result: { status: 200, body: '{"ok": tr' } });
    expect((records[0]?.result as { bodyError?: string }).bodyError).toMatch(/^the answer was cut after 9 bytes \(UND_ERR_SOCKET: other side closed\)$/);
  });

  it('params are checked before anything is sent: a bad one is a failed decision and no request', async () => {
    const target = await testServer(() => ({ status: 200 }));
    cleanup.push(() => target.close());
    const { decision } = await run(`    - { name: call, kind: http, url: "${target.url}/{{params.n}}", params: { n: { type: integer, max: 5 } } }`, { n: 9 });
    expect(decision).toMatchObject({ outcome: 'failed', error: { code: 'E_VALIDATION' } });
    expect(decision.error?.message).toContain('n: Too big');
    expect(target.seen).toHaveLength(0);
  });
});
