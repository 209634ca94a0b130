// Effector params are small (a size, a member, a version), and every invocation keeps its params in its
// record, refused ones too: with the server's 1 MiB bound, 500 refused invocations of an operator held 400 MB
// of records (the store keeps 10,000). The invocation route takes at most INVOKE_BODY_LIMIT, and a body past
// a bound is refused with the bound named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVOKE_BODY_LIMIT } from '../../src/server/routes-entities.js';
import { apiFixture, TOKENS } from './fixture.js';

describe('effector invocation bodies are bounded', () => {
  let api: Awaited<ReturnType<typeof apiFixture>>;
  beforeAll(async () => {
    api = await apiFixture();
  });
  afterAll(async () => api.close());

  it('refuses params past the bound with 413 naming it, and records no invocation', async () => {
    expect(INVOKE_BODY_LIMIT).toBe(64 * 1024);
    const before = await api.deployment.knowledge.queryInvocations({ limit: 100 });
    const refused = await api.call('POST', '/entities/db/effectors/promote', TOKENS.operator, JSON.stringify({ note: 'x'.repeat(INVOKE_BODY_LIMIT) }));
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(refused.body['error']).toContain(`${INVOKE_BODY_LIMIT} bytes`);
    expect(await api.deployment.knowledge.queryInvocations({ limit: 100 })).toHaveLength(before.length);
  });

  it('takes params under the bound as before', async () => {
    const answered = await api.call('POST', '/entities/db/effectors/promote', TOKENS.operator, JSON.stringify({ note: 'x'.repeat(1_000) }));
    expect(answered.status).toBe(400); // promote takes no 'note': its schema, not the bound, refuses it
    expect(answered.body['error']).toContain('Unrecognized key');
  });

  it('names the bound of the whole server for other routes too', async () => {
    const refused = await api.call('POST', '/entities/db/sensors/role', TOKENS.operator, JSON.stringify({ value: 'x'.repeat(1_100_000) }));
    expect(refused.status).toBe(413);
    expect(refused.body['error']).toContain('1048576 bytes');
  });
});
