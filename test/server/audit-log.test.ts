// The audit log writes through the knowledge store: a new log on the same store continues its seq, params
// are redacted before they reach the store, and reads are scoped by recorded path.
import { queueScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import { AuditLog } from '../../src/server/audit.js';

const paths: Record<string, string> = { web: '/app/web', 'web-1': '/app/web/web-1', db: '/app/db' };

describe('AuditLog', () => {
  it('stores redacted entries and continues seq from the store after a restart', async () => {
    const store = new MemoryStore();
    const knowledge = new Knowledge(store, queueScheduler);
    const first = new AuditLog(knowledge, (id) => paths[id]);
    await first.open();
    first.record({ who: { kind: 'person', name: 'ann' }, action: 'suspend', target: 'web/autoscaler', entity: 'web', path: '/app/web', params: { reason: 'x', nested: { password: 'p4ss' } }, result: 'ok' });
    first.recordInvocation({ id: 'i1', at: 1, entity: 'web-1', effector: 'restart', caller: { kind: 'policy', name: 'restarter' }, params: { apiKey: 'k' }, outcome: 'failed', attempts: 1, durationMs: 1, error: { code: 'E_X', message: 'boom' } });
    first.record({ who: { kind: 'person', name: 'bob' }, action: 'config', target: 'db/restarter', entity: 'db', path: '/app/db', result: 'rejected', detail: 'y'.repeat(5_000) });
    await knowledge.flush(); // written in the background, never while the request waits
    const stored = await store.queryAudit({ limit: 10 });
    expect(stored.map((e) => e.seq)).toEqual([3, 2, 1]);
    expect(JSON.stringify(stored)).not.toMatch(/p4ss|"k"/);
    expect(stored[1]).toMatchObject({ action: 'invoke restart', path: '/app/web/web-1', result: 'failed', detail: 'boom' });
    expect(stored[0]?.detail?.length).toBeLessThan(2_100);

    const restarted = new AuditLog(new Knowledge(store, queueScheduler), (id) => paths[id]);
    await restarted.open();
    const next = restarted.record({ who: { kind: 'person', name: 'ann' }, action: 'resume', target: 'web/autoscaler', entity: 'web', path: '/app/web', result: 'ok' });
    expect(next.seq).toBe(4);
    expect((await restarted.entries({ within: ['/app/web'] })).map((e) => e.action)).toEqual(['resume', 'invoke restart', 'suspend']);
    expect((await restarted.entries({ limit: 1 }))[0]).toEqual(next);
  });
});
