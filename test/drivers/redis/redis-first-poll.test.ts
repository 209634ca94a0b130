import { afterEach, describe, expect, it } from 'vitest';
import type { Deployment } from '../../../src/blueprint/deployment.js';
import type { TestRedisServer } from '../../support/redis-server.js';
import { deploy, waitUntil } from '../process/helpers.js';
import { replicatedRedis } from './helpers.js';

const servers: TestRedisServer[] = [];
const deployments: Deployment[] = [];
afterEach(async () => {
  for (const d of deployments.splice(0)) await d.stop();
  for (const s of servers.splice(0)) await s.dispose();
});

describe('redis: the first poll, through fresh connections', () => {
  it('reads the role and the replica lag on the first poll (a 10 s poll interval leaves no second chance within the test)', async () => {
    const list = await replicatedRedis(1);
    servers.push(...list);
    const [p, r] = list as [TestRedisServer, TestRedisServer];
    const child = (id: string, port: number): string => `        - { id: ${id}, type: redis, config: { port: ${port}, every: 10s, timeout: 1s } }\n`;
    const { deployment } = await deploy(`name: r\napplication:\n  id: app\n  children:\n    - id: cache\n      type: redis-replication-group\n      children:\n${child('r1', p.port)}${child('r2', r.port)}`);
    deployments.push(deployment);
    const r1 = deployment.tree.get('r1');
    const r2 = deployment.tree.get('r2');
    // the first poll runs at start; the next one would be 10 s later
    await waitUntil(() => r1.sensor('role').value === 'primary' && r2.sensor('role').value === 'replica' && r2.sensor('replication.lag').value !== undefined, 5_000, 'role and lag from the first poll');
    expect(r2.sensor('replication.lag').value).toBe(0);
    expect(r1.sensor('service.up').value).toBe(true);
    // an election could use this replica right away: its lag is known
    expect(deployment.tree.get('cache').sensor('primary').value).toBe('r1');
  });
});
