import { describe, expect, it } from 'vitest';
import type { ApiInvocation } from '../../src/server/context.js';
import { InvocationRecords, InvocationRecordsFullError } from '../../src/server/invocation-records.js';

const running = (): ApiInvocation => ({ status: 'running', entity: 'e', path: '/e', effector: 'restart' });

describe('InvocationRecords', () => {
  it('stays within its capacity, forgetting the oldest finished invocations first', () => {
    const records = new InvocationRecords(3);
    const first = running();
    const later = [running(), running(), running()];
    records.add('a', first);
    records.add('b', later[0]!);
    records.add('c', later[1]!);
    first.status = 'succeeded';
    records.add('d', later[2]!);
    expect(records.size).toBe(3);
    expect(records.get('a')).toBeUndefined();
    expect(records.get('b')?.status).toBe('running');
    for (const entry of later) entry.status = 'succeeded';
    for (let i = 0; i < 1000; i++) {
      const entry = running();
      records.add(`x${i}`, entry);
      entry.status = 'failed';
    }
    expect(records.size).toBeLessThanOrEqual(3);
  });

  it('refuses a new invocation when every kept one is still running', () => {
    const records = new InvocationRecords(2);
    records.add('a', running());
    records.add('b', running());
    expect(() => records.add('c', running())).toThrow(InvocationRecordsFullError);
    expect(records.size).toBe(2);
  });
});
