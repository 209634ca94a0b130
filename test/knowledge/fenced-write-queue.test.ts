// The write queue and the knowledge front with writes made under a lease, on a memory store that keeps leases
// as Redis does (a fenced write applies only while its lease names its writer and token), in virtual time.
import { describe, expect, it } from 'vitest';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import type { AuditEntry, AuditQuery } from '../../src/knowledge/audit-entry.js';
import type { Decision, PolicyFault } from '../../src/knowledge/decision.js';
import { Knowledge } from '../../src/knowledge/knowledge.js';
import { MemoryStore } from '../../src/knowledge/memory-store.js';
import type { DecisionQuery, FencedWrites, InvocationQuery, Json, KnowledgeStore, SensorSnapshot, WriteFence, WriteOp, WriteResult } from '../../src/knowledge/store.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';

function decision(id: string): Decision {
  return { id, at: 0, entity: 'web', policy: 'web/p', policyName: 'p', symptom: { kind: 'x' }, actions: [], reason: 'r', inputs: [], outcome: 'applied', durations: { analyzeMs: 0, planMs: 0, executeMs: 0 } };
}

/**
 * A memory store with leases by name (`owner|token`): a fenced write whose lease names someone else is refused.
 * Counts what it is sent.
 */
class LeaseStore implements KnowledgeStore {
  private readonly memory = new MemoryStore();
  readonly leases = new Map<string, string>();
  readonly sent: string[] = [];
  down = false;

  async write(ops: readonly WriteOp[]): Promise<WriteResult> {
    if (this.down) throw new Error('connection refused');
    this.sent.push(...ops.map((op) => (op.kind === 'state' ? `${op.policy}.${op.key}` : op.kind === 'decision' ? op.value.id : op.kind)));
    const refused = new Map<WriteFence, FencedWrites & { ops: WriteOp[] }>();
    const applied: WriteOp[] = [];
    for (const op of ops) {
      const fence = op.fence;
      if (!fence || op.kind === 'audit' || this.leases.get(fence.lease) === `${fence.owner}|${fence.token}`) applied.push(op);
      else {
        const [owner = '', token = '0'] = this.leases.get(fence.lease)?.split('|') ?? [];
        const group = refused.get(fence) ?? { fence, ops: [], ...(owner ? { holder: { owner, token: Number(token) } } : {}) };
        group.ops.push(op);
        refused.set(fence, group);
      }
    }
    await this.memory.write(applied);
    return { refused: [...refused.values()] };
  }

  queryDecisions(query: DecisionQuery): Promise<Decision[]> {
    return this.memory.queryDecisions(query);
  }
  getDecision(id: string): Promise<Decision | undefined> {
    return this.memory.getDecision(id);
  }
  queryInvocations(query: InvocationQuery): Promise<InvocationRecord[]> {
    return this.memory.queryInvocations(query);
  }
  queryFaults(query: { policy?: string; limit?: number }): Promise<PolicyFault[]> {
    return this.memory.queryFaults(query);
  }
  queryAudit(query: AuditQuery): Promise<AuditEntry[]> {
    return this.memory.queryAudit(query);
  }
  loadPolicyStates(): Promise<Map<string, Map<string, Json>>> {
    return this.memory.loadPolicyStates();
  }
  loadSnapshots(): Promise<SensorSnapshot[]> {
    return this.memory.loadSnapshots();
  }
  close(): Promise<void> {
    return this.memory.close();
  }
}

describe('knowledge writes under a lease', () => {
  it('drops the writes a store refuses as made under a lost lease: counted, reported once with what and why, never sent again', async () => {
    const clock = new VirtualClock();
    const store = new LeaseStore();
    store.leases.set('root', 'me|5');
    const knowledge = new Knowledge(store, clock, { retryDelayMs: 100 });
    let fence: WriteFence | undefined = { lease: 'root', owner: 'me', token: 5 };
    knowledge.setWriteFence(() => fence);
    const errors: Error[] = [];
    knowledge.errors$.subscribe((e) => errors.push(e));
    knowledge.recordDecision(decision('kept'));
    await knowledge.flush();

    store.down = true;
    knowledge.policyState('web/p').set('restarts', 1);
    for (let i = 1; i <= 12; i++) knowledge.recordDecision(decision(`lost${i}`));
    await clock.advanceBy(1_000);
    store.leases.set('root', 'other|6'); // another instance took the lease meanwhile
    store.down = false;
    await clock.advanceBy(10_000);
    expect(knowledge.health()).toMatchObject({ ok: true, pending: 0, dropped: 13, fenced: 13 });
    const fenced = errors.filter((e) => (e as { code?: string }).code === 'E_WRITE_FENCED');
    expect(fenced.map((e) => e.message)).toEqual([
      '13 writes made under lease root by me with fencing token 5 were refused by the knowledge store: the lease is now held by other (token 6). Dropped, never written later (nor any later write under that token): state web/p.restarts, decision lost1, decision lost2, decision lost3, decision lost4, decision lost5, decision lost6, decision lost7, decision lost8, decision lost9 and 3 more',
    ]);
    // a store that failed first is tried one write at a time: the first refusal drops the others unsent
    expect(store.sent.filter((s) => s.startsWith('lost'))).toEqual([]);
    // a write still made under the lost token (the instance has not yet seen its lease go) is dropped unsent, counted
    knowledge.recordDecision(decision('late'));
    await clock.advanceBy(10_000);
    expect(store.sent).not.toContain('late');
    expect(knowledge.health()).toMatchObject({ dropped: 14, fenced: 14 });
    expect(errors.filter((e) => (e as { code?: string }).code === 'E_WRITE_FENCED')).toHaveLength(1);
    // under a new token, writes go again
    store.leases.set('root', 'me|7');
    fence = { lease: 'root', owner: 'me', token: 7 };
    knowledge.recordDecision(decision('again'));
    await knowledge.flush();
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['again', 'kept']);
    expect((await store.loadPolicyStates()).get('web/p')).toBeUndefined();
  });

  it('writes nothing for which no lease is named, and audit entries always, unfenced', async () => {
    const store = new LeaseStore();
    const knowledge = new Knowledge(store, new VirtualClock());
    knowledge.setWriteFence((op) => (op.kind === 'decision' && op.value.id === 'mine' ? { lease: 'root', owner: 'me', token: 1 } : undefined));
    store.leases.set('root', 'me|1');
    knowledge.recordDecision(decision('mine'));
    knowledge.recordDecision(decision('not-mine'));
    knowledge.recordAudit({ seq: 1, at: 0, who: { kind: 'person', name: 'ops' }, action: 'suspend', target: 'web/p', entity: 'web', path: '/web', result: 'ok' });
    await knowledge.flush();
    expect((await store.queryDecisions({})).map((d) => d.id)).toEqual(['mine']);
    expect((await store.queryAudit({})).map((e) => e.seq)).toEqual([1]);
    expect(knowledge.dropped).toBe(0);
  });
});
