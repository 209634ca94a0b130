import { describe, expect, it } from 'vitest';
import { LagTracker } from '../../../src/drivers/redis/lag-tracker.js';
import { parseReplicationInfo } from '../../../src/drivers/redis/redis-info.js';

describe('LagTracker', () => {
  it('is the time since the primary first had data the replica lacks, frozen at the last sighting of the primary', () => {
    const lag = new LagTracker();
    expect(lag.lagSeconds(0)).toBeUndefined();
    lag.record('p:1', 100, 0);
    lag.record('p:1', 200, 1_000);
    lag.record('p:1', 200, 2_000);
    lag.record('p:1', 300, 3_000);
    expect(lag.lagSeconds(300)).toBe(0);
    expect(lag.lagSeconds(250)).toBe(0); // the primary first had 300 at 3 s, last seen at 3 s
    expect(lag.lagSeconds(150)).toBe(2); // 200 was first seen at 1 s
    expect(lag.lagSeconds(50)).toBe(3);
    lag.record('p:1', 300, 5_000);
    expect(lag.lagSeconds(150)).toBe(4);
    expect(lag.primaryOffset).toBe(300);
  });

  it('starts over for another primary or an offset that goes back', () => {
    const lag = new LagTracker();
    lag.record('p:1', 500, 0);
    lag.record('p:2', 10, 1_000);
    expect(lag.primaryAddress).toBe('p:2');
    expect(lag.lagSeconds(10)).toBe(0);
    lag.record('p:2', 5, 2_000);
    expect(lag.primaryOffset).toBe(5);
  });
});

describe('parseReplicationInfo', () => {
  it('reads a primary and a replica, and rejects what is not a replication section', () => {
    expect(parseReplicationInfo('# Replication\r\nrole:master\r\nconnected_slaves:2\r\nslave0:ip=127.0.0.1,port=1,state=online,offset=9,lag=0\r\nmaster_repl_offset:42\r\n')).toEqual({ role: 'master', offset: 42, connectedReplicas: 2 });
    expect(parseReplicationInfo('role:slave\nmaster_host:10.0.0.1\nmaster_port:6380\nmaster_link_status:down\nmaster_link_down_since_seconds:7\nslave_repl_offset:40\nconnected_slaves:0\n')).toEqual({ role: 'slave', offset: 40, connectedReplicas: 0, master: '10.0.0.1:6380', linkUp: false, linkDownSeconds: 7 });
    expect(() => parseReplicationInfo('# Server\nredis_version:7.0.15\n')).toThrow(/no role/);
  });
});
