// The contract every KnowledgeStore keeps, run against each implementation (memory, Redis).
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import type { AuditEntry } from '../../src/knowledge/audit-entry.js';
import type { Decision, PolicyFault } from '../../src/knowledge/decision.js';
import type { KnowledgeStore } from '../../src/knowledge/store.js';

/** Retention the factory must give the store it makes, so the contract can check it. */
export const CONTRACT_MAX_DECISIONS = 50;

/** A decision with the given number; odd numbers are on `web`, even on `db`. */
export function decision(n: number, extra: Partial<Decision> = {}): Decision {
  return {
    id: `d${n}`, at: n * 1000, entity: n % 2 ? 'web' : 'db', policy: n % 2 ? 'web/autoscaler' : 'db/restarter', policyName: 'p',
    symptom: { kind: 'x' }, actions: [], reason: 'r', inputs: [], outcome: n % 3 ? 'applied' : 'dry_run',
    durations: { analyzeMs: 0, planMs: 0, executeMs: 0 }, ...extra,
  };
}

/** An invocation record with the given number. */
export function invocation(n: number): InvocationRecord {
  return { id: `i${n}`, at: n * 10, entity: n % 2 ? 'web' : 'db', effector: n % 3 ? 'resize' : 'restart', caller: { kind: 'policy', name: 'p' }, params: { n }, outcome: 'succeeded', attempts: 1, durationMs: 1 };
}

/** A policy fault with the given number. */
export function fault(n: number): PolicyFault {
  return { at: n, policy: n % 2 ? 'a' : 'b', entity: 'web', phase: 'plan', message: `boom ${n}`, restartInMs: 1000 };
}

/** Audit retention the factory must give the store it makes (`maxAuditEntries`). */
export const CONTRACT_MAX_AUDIT = 50;

const AUDIT_PATHS = ['/app/web', '/app/web/web-1', '/app/webx', '/app/db', null] as const;

/** An audit entry with the given number; its path cycles through `/app/web`, `/app/web/web-1`, `/app/webx`, `/app/db` and none. */
export function auditEntry(n: number): AuditEntry {
  const path = AUDIT_PATHS[n % AUDIT_PATHS.length] ?? null;
  return {
    seq: n, at: n * 100, who: { kind: 'person', name: `user${n % 3}` }, action: n % 2 ? 'suspend' : 'invoke restart', target: path ? path.split('/').pop() ?? '' : `/x/${n}`,
    entity: path ? path.split('/').pop() ?? null : null, path, params: { n, token: '[redacted]' }, result: n % 4 ? 'ok' : 'denied',
  };
}

/** Runs the store contract; `make` returns a fresh, empty store with `maxDecisions: CONTRACT_MAX_DECISIONS` and `maxAuditEntries: CONTRACT_MAX_AUDIT`. */
export function describeStoreContract(name: string, make: () => Promise<KnowledgeStore>): void {
  describe(`${name} keeps the KnowledgeStore contract`, () => {
    it('answers decision queries by entity, policy, outcome and time range, newest first', async () => {
      const store = await make();
      await store.write(Array.from({ length: 12 }, (_, i) => ({ kind: 'decision' as const, value: decision(i + 1) })));
      expect((await store.queryDecisions({ entity: 'web' })).map((d) => d.id)).toEqual(['d11', 'd9', 'd7', 'd5', 'd3', 'd1']);
      expect((await store.queryDecisions({ policy: 'db/restarter', outcome: 'dry_run' })).map((d) => d.id)).toEqual(['d12', 'd6']);
      expect((await store.queryDecisions({ from: 4000, to: 6000 })).map((d) => d.id)).toEqual(['d6', 'd5', 'd4']);
      expect((await store.queryDecisions({ entity: 'db', from: 9000 })).map((d) => d.id)).toEqual(['d12', 'd10']);
      expect(await store.queryDecisions({ limit: 2 })).toHaveLength(2);
      expect((await store.getDecision('d7'))?.entity).toBe('web');
      expect(await store.getDecision('nope')).toBeUndefined();
      await store.close();
    });

    it('keeps the newest decisions within its retention bound', async () => {
      const store = await make();
      for (let batch = 0; batch < 10; batch++) {
        await store.write(Array.from({ length: 20 }, (_, i) => ({ kind: 'decision' as const, value: decision(batch * 20 + i + 1) })));
      }
      const kept = await store.queryDecisions({ limit: 1000 });
      expect(kept.length).toBeGreaterThanOrEqual(CONTRACT_MAX_DECISIONS);
      expect(kept.length).toBeLessThanOrEqual(CONTRACT_MAX_DECISIONS * 1.25 + 16);
      expect(kept[0]?.id).toBe('d200');
      expect(kept.map((d) => d.at)).toEqual([...kept.map((d) => d.at)].sort((a, b) => b - a));
      expect(await store.getDecision('d1')).toBeUndefined();
      expect((await store.queryDecisions({ entity: 'web', limit: 1000 })).every((d) => d.entity === 'web')).toBe(true);
      await store.close();
    });

    it('answers invocation queries by entity, effector and time range, newest first', async () => {
      const store = await make();
      await store.write(Array.from({ length: 9 }, (_, i) => ({ kind: 'invocation' as const, value: invocation(i + 1) })));
      expect((await store.queryInvocations({ entity: 'db' })).map((r) => r.id)).toEqual(['i8', 'i6', 'i4', 'i2']);
      expect((await store.queryInvocations({ effector: 'restart' })).map((r) => r.id)).toEqual(['i9', 'i6', 'i3']);
      expect((await store.queryInvocations({ entity: 'web', effector: 'resize', from: 20, to: 70 })).map((r) => r.id)).toEqual(['i7', 'i5']);
      expect((await store.queryInvocations({ limit: 1 }))[0]).toEqual(invocation(9));
      await store.close();
    });

    it('answers fault queries by policy, newest first', async () => {
      const store = await make();
      await store.write([1, 2, 3, 4, 5].map((n) => ({ kind: 'fault' as const, value: fault(n) })));
      expect((await store.queryFaults({ policy: 'a' })).map((f) => f.message)).toEqual(['boom 5', 'boom 3', 'boom 1']);
      expect(await store.queryFaults({ limit: 2 })).toEqual([fault(5), fault(4)]);
      await store.close();
    });

    it('applies a batch in order: the last write of a key wins, a delete removes it', async () => {
      const store = await make();
      await store.write([
        { kind: 'state', policy: 'web/autoscaler', key: 'cooldownUntil', value: 1 },
        { kind: 'state', policy: 'web/autoscaler', key: 'cooldownUntil', value: 2 },
        { kind: 'state', policy: 'web/autoscaler', key: 'history', value: [{ at: 1, size: 3 }] },
        { kind: 'state', policy: 'db/restarter', key: 'gone', value: 'x' },
        { kind: 'state', policy: 'db/restarter', key: 'gone', value: undefined },
        { kind: 'state', policy: 'db/restarter', key: 'count', value: 4 },
      ]);
      const states = await store.loadPolicyStates();
      expect(Object.fromEntries(states.get('web/autoscaler') ?? [])).toEqual({ cooldownUntil: 2, history: [{ at: 1, size: 3 }] });
      expect(Object.fromEntries(states.get('db/restarter') ?? [])).toEqual({ count: 4 });
      await store.close();
    });

    it('keeps the latest snapshot of each sensor', async () => {
      const store = await make();
      await store.write([
        { kind: 'snapshot', value: { entity: 'web', sensor: 'cpu', value: 0.5, at: 1 } },
        { kind: 'snapshot', value: { entity: 'web', sensor: 'cpu', value: 0.7, at: 2 } },
        { kind: 'snapshot', value: { entity: 'db', sensor: 'service.up', value: true, at: 2 } },
      ]);
      const snapshots = (await store.loadSnapshots()).sort((a, b) => a.entity.localeCompare(b.entity));
      expect(snapshots).toEqual([{ entity: 'db', sensor: 'service.up', value: true, at: 2 }, { entity: 'web', sensor: 'cpu', value: 0.7, at: 2 }]);
      // one entity's, for the sensors asked for: a sensor with none stored is left out
      expect(await store.loadSnapshots({ entity: 'web', sensors: ['cpu', 'rps'] })).toEqual([{ entity: 'web', sensor: 'cpu', value: 0.7, at: 2 }]);
      expect(await store.loadSnapshots({ entity: 'db', sensors: ['cpu'] })).toEqual([]);
      await store.close();
    });

    it('answers audit queries newest first, within subtrees by recorded path, and keeps entries whole', async () => {
      const store = await make();
      await store.write(Array.from({ length: 10 }, (_, i) => ({ kind: 'audit' as const, value: auditEntry(i + 1) })));
      expect((await store.queryAudit({})).map((e) => e.seq)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      expect((await store.queryAudit({ limit: 3 })).map((e) => e.seq)).toEqual([10, 9, 8]);
      // `/app/web` holds itself and `/app/web/web-1`, not its sibling `/app/webx`; entries without a path are in no subtree
      expect((await store.queryAudit({ within: ['/app/web'] })).map((e) => e.path)).toEqual(['/app/web', '/app/web/web-1', '/app/web', '/app/web/web-1']);
      expect((await store.queryAudit({ within: ['/app/db', '/app/webx'] })).map((e) => e.seq)).toEqual([8, 7, 3, 2]);
      expect((await store.queryAudit({ within: ['/app/web/web-1'], limit: 1 })).map((e) => e.seq)).toEqual([6]);
      expect(await store.queryAudit({ within: [] })).toEqual([]);
      expect((await store.queryAudit({ limit: 1 }))[0]).toEqual(auditEntry(10));
      await store.close();
    });

    it('keeps the newest audit entries within its retention bound', async () => {
      const store = await make();
      for (let batch = 0; batch < 10; batch++) {
        await store.write(Array.from({ length: 20 }, (_, i) => ({ kind: 'audit' as const, value: auditEntry(batch * 20 + i + 1) })));
      }
      const kept = await store.queryAudit({ limit: 1000 });
      expect(kept.length).toBeGreaterThanOrEqual(CONTRACT_MAX_AUDIT);
      expect(kept.length).toBeLessThanOrEqual(CONTRACT_MAX_AUDIT * 1.25 + 16);
      expect(kept[0]?.seq).toBe(200);
      expect(kept.map((e) => e.seq)).toEqual([...kept.map((e) => e.seq)].sort((a, b) => b - a));
      await store.close();
    });

    it('replaces a decision written again with the same id, keeping its place in the log', async () => {
      const store = await make();
      await store.write([1, 2, 3].map((n) => ({ kind: 'decision' as const, value: decision(n) })));
      await store.write([{ kind: 'decision', value: decision(1, { reason: 'repeated', count: 4, lastAt: 9000 }) }]);
      expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['d3', 'd2', 'd1']);
      expect(await store.getDecision('d1')).toMatchObject({ reason: 'repeated', count: 4, lastAt: 9000 });
      expect((await store.queryDecisions({ entity: 'web' })).map((d) => d.id)).toEqual(['d3', 'd1']);
      await store.close();
    });

    it('hands readers their own copies: a query result changed by its reader leaves what was recorded', async () => {
      const store = await make();
      await store.write([
        { kind: 'decision', value: decision(1, { symptom: { kind: 'above', detail: { value: 0.95 } } }) },
        { kind: 'invocation', value: invocation(1) },
        { kind: 'fault', value: fault(1) },
        { kind: 'audit', value: auditEntry(1) },
      ]);
      type Mutable = Record<string, unknown>;
      const [read] = await store.queryDecisions({});
      Object.assign(read as unknown as Mutable, { reason: 'changed' });
      Object.assign((read?.symptom.detail ?? {}) as Mutable, { value: 0 });
      Object.assign((await store.getDecision('d1')) as unknown as Mutable, { outcome: 'failed' });
      const [record] = await store.queryInvocations({});
      Object.assign(record?.params as Mutable, { n: 99 });
      Object.assign(record?.caller as unknown as Mutable, { name: 'other' });
      Object.assign((await store.queryFaults({}))[0] as unknown as Mutable, { message: 'changed' });
      Object.assign((await store.queryAudit({}))[0]?.params as Mutable, { n: 99 });
      expect(await store.getDecision('d1')).toEqual(decision(1, { symptom: { kind: 'above', detail: { value: 0.95 } } }));
      expect(await store.queryDecisions({})).toEqual([decision(1, { symptom: { kind: 'above', detail: { value: 0.95 } } })]);
      expect(await store.queryInvocations({})).toEqual([invocation(1)]);
      expect(await store.queryFaults({})).toEqual([fault(1)]);
      expect(await store.queryAudit({})).toEqual([auditEntry(1)]);
      await store.close();
    });
  });
}
