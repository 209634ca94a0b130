// A flood of large request bodies cannot grow the audit log past its bound in bytes: every refused mutating
// request is audited with its body as params, so before the bound a viewer's token (403 on every effector or
// sensor push) made each entry as large as its body (about 0.8 MB of a 1 MB body): 1,000 requests held 800 MB.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queueScheduler } from 'rxjs';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { AuditLog, MAX_AUDIT_PARAMS_CHARS } from '../../src/server/audit.js';
import { apiFixture, TOKENS } from './fixture.js';

/** A body just under the HTTP server's 1 MiB limit, of strings as long as redaction keeps (4,096). */
const LARGE_BODY = JSON.stringify({ value: Array.from({ length: 240 }, (_, i) => `${i}`.padEnd(4_000, 'x')) });

describe('audit entries are bounded in size', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it("a refused request's large body is kept as a bounded preview that says how large it was", async () => {
    const refused = await api.call('POST', '/entities/db/sensors/role', TOKENS.viewer, LARGE_BODY);
    expect(refused.status).toBe(403);
    const [entry] = (await api.call('GET', '/audit?limit=1', TOKENS.admin)).body;
    expect(entry).toMatchObject({ result: 'denied', status: 403, who: { name: 'vera' } });
    const kept = JSON.stringify(entry?.['params']);
    expect(kept.length).toBeLessThanOrEqual(MAX_AUDIT_PARAMS_CHARS + 200);
    expect(kept).toMatch(/truncated/);
    expect((entry?.['params'] as { preview: string }).preview.startsWith('{"value":["0x')).toBe(true); // as the body did
  });

  it('small params are kept whole', async () => {
    const log = new AuditLog(new Knowledge(new MemoryStore(), queueScheduler));
    const entry = log.record({ who: { kind: 'person', name: 'ann' }, action: 'x', target: 'db', entity: 'db', path: '/app/db', params: { size: 3, reason: 'r'.repeat(1_000) }, result: 'ok' });
    expect(entry.params).toEqual({ size: 3, reason: 'r'.repeat(1_000) });
  });
});
