// A write while the connection to Redis was down was logged as ioredis' "Stream isn't writeable and
// enableOfflineQueue options is false", naming neither Redis nor the connection.
import { describe, expect, it } from 'vitest';
import { RedisTransactionError } from '../../src/knowledge/redis/redis-transaction-error.js';

describe('RedisTransactionError.ofRejection', () => {
  it('says a write while the connection is down is one, keeping ioredis\' words and the error as its cause', () => {
    const down = new Error("Stream isn't writeable and enableOfflineQueue options is false");
    const said = RedisTransactionError.ofRejection(down);
    expect(said.message).toBe("Redis is not connected, so nothing was sent (Stream isn't writeable and enableOfflineQueue options is false)");
    expect(said.cause).toBe(down);
  });

  it('names the causes of an EXECABORT, and passes another rejection through as it is', () => {
    const aborted = Object.assign(new Error('EXECABORT Transaction discarded because of previous errors.'), { previousErrors: [new Error("READONLY You can't write against a read only replica.")] });
    expect(RedisTransactionError.ofRejection(aborted).message).toBe("READONLY You can't write against a read only replica. (Redis discarded the whole transaction: EXECABORT)");
    const timeout = new Error('Command timed out');
    expect(RedisTransactionError.ofRejection(timeout)).toBe(timeout);
  });
});
