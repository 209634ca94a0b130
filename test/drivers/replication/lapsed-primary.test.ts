// A primary that stopped answering and comes back as a primary while its group failed over without homeostat
// (Sentinel, a person) is fenced, so that it follows the new primary: also when it is read back before the
// member promoted meanwhile is (the polls of a group's members do not line up; on a loaded host by seconds).
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EntityTree } from '../../../src/core/entity-tree.js';
import type { Entity } from '../../../src/core/entity.js';
import { PolledNode } from '../../../src/drivers/replication/polled-node.js';
import { defineSensor } from '../../../src/sensors/define-sensor.js';
import { VirtualClock } from '../../../src/testing/virtual-clock.js';

/** A server whose reads are scripted: 'master', 'slave', or 'down' (the read fails). */
class ScriptedNode extends PolledNode<string> {
  protected override readonly lapsedPrimaryOwesFence = true;
  constructor(entity: Entity, private readonly answers: string[], readonly recorded: string[]) {
    super(entity, (op) => void recorded.push(`${op.operation} ${op.entity}`));
  }
  protected async read(): Promise<string> {
    const answer = this.answers.shift() ?? 'master';
    if (answer === 'down') throw new Error('connection refused');
    this.settleOwedFence(answer === 'master');
    return answer;
  }
  protected async publish(role: string): Promise<void> {
    this.entity.sensor('role').publish(this.fenced ? 'fenced' : role === 'master' ? 'primary' : 'replica');
    this.entity.setUp(!this.fenced);
  }
}

function group(): { r1: Entity; r2: Entity } {
  const tree = new EntityTree(new VirtualClock());
  const sensors = [defineSensor({ name: 'role', schema: z.string() }), defineSensor({ name: 'address', schema: z.string() })];
  const cache = tree.add({ id: 'cache', type: 'group' });
  const r1 = tree.add({ id: 'r1', type: 'redis', sensors }, cache);
  const r2 = tree.add({ id: 'r2', type: 'redis', sensors }, cache);
  r1.sensor('address').publish('127.0.0.1:7001');
  r2.sensor('address').publish('127.0.0.1:7002');
  r2.sensor('role').publish('replica');
  r2.setUp(true);
  return { r1, r2 };
}

describe('a primary back after a lapse', () => {
  it('is fenced once the member promoted meanwhile is read as the writable primary, a few reads after it came back', async () => {
    const { r1, r2 } = group();
    const recorded: string[] = [];
    const node = new ScriptedNode(r1, ['master', 'down', 'down', 'master', 'master', 'master', 'master'], recorded);
    await node.refresh();
    expect(r1.sensor('role').value).toBe('primary');
    await node.refresh();
    await node.refresh();
    // back, but r2's poll has not yet seen its promotion: r1 is read as the only primary
    await node.refresh();
    await node.refresh();
    expect(recorded).toEqual([]);
    r2.sensor('role').publish('primary');
    await node.refresh();
    expect(recorded).toEqual(['late-fence r1']);
    expect(r1.sensor('role').value).toBe('fenced');
  });

  it('owes nothing once read back as a replica, nor after many reads as the only primary (nothing was promoted)', async () => {
    const replica = group();
    const asReplica: string[] = [];
    const back = new ScriptedNode(replica.r1, ['master', 'down', 'slave', 'master'], asReplica);
    for (let i = 0; i < 3; i++) await back.refresh();
    replica.r2.sensor('role').publish('primary');
    await back.refresh();
    expect(asReplica).toEqual([]);

    const alone = group();
    const asOnly: string[] = [];
    const restarted = new ScriptedNode(alone.r1, ['master', 'down', ...Array.from({ length: 25 }, () => 'master')], asOnly);
    for (let i = 0; i < 27; i++) await restarted.refresh();
    // a person's switchover much later is not taken for a failover the server missed
    alone.r2.sensor('role').publish('primary');
    await restarted.refresh();
    expect(asOnly).toEqual([]);
    expect(alone.r1.sensor('role').value).toBe('primary');
  });
});
