import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Decision } from '../../src/knowledge/decision.js';
import type { InvocationRecord } from '../../src/effectors/invocation.js';
import { deployEffectors } from './kinds/fixtures.js';

const SECRET = 'tok-5f1c9e2ab7d34c08e6aa';
const VARIABLE = 'HOMEOSTAT_TEST_SECRET_PARAM';
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
  delete process.env[VARIABLE];
});

const node = JSON.stringify(process.execPath);

/** Runs one plan whose params reference the secret; returns every output a secret could leak into. */
async function run(script: string, params: Record<string, unknown>) {
  const deployment = await deployEffectors(`    - { name: cmd, kind: exec, argv: [${node}, -e, ${JSON.stringify(script)}, --, "{{params.token}}"], params: { token: string } }`, 'cmd');
  cleanup.push(() => deployment.stop());
  const records: InvocationRecord[] = [];
  deployment.engine.invoker.records$.subscribe((r) => records.push(r));
  const decided = new Promise<Decision>((resolve) => deployment.engine.decisions$.subscribe(resolve));
  deployment.tree.get('svc').sensor('trigger').publish(params);
  const decision = await decided;
  await vi.waitFor(() => expect(records).toHaveLength(1));
  const stored = await deployment.knowledge.queryDecisions({});
  return { decision, record: records[0] as InvocationRecord, outputs: JSON.stringify({ decision, records, stored }) };
}

describe('effector params that reference a secret', () => {
  it('resolve at invocation (the program gets the value) and leave no trace of it in decisions or records', async () => {
    process.env[VARIABLE] = SECRET;
    // the program checks what it got, and echoes it to stdout: the result is scrubbed
    const { decision, record, outputs } = await run(`const v = process.argv[1]; process.stdout.write('got ' + v); process.exit(v.length === ${SECRET.length} && v.startsWith('tok-') ? 0 : 3)`, { token: { secret: { env: VARIABLE } } });
    expect(decision.outcome, decision.error?.message).toBe('applied');
    expect((record.result as { stdout: string }).stdout).toBe('got [secret]');
    expect(outputs).not.toContain(SECRET);
  });

  it('scrubs a failure that quotes the secret from the error, its detail and the decision', async () => {
    process.env[VARIABLE] = SECRET;
    const { decision, record, outputs } = await run(`console.error('bad token ' + process.argv[1]); process.exit(2)`, { token: { secret: { env: VARIABLE } } });
    expect(decision.outcome).toBe('failed');
    expect(record.error?.message).toContain('bad token [secret]');
    expect(outputs).not.toContain(SECRET);
  });

  it('fails without running when the secret is missing, naming the variable only', async () => {
    const { decision, record } = await run(`process.exit(0)`, { token: { secret: { env: VARIABLE } } });
    expect(decision.outcome).toBe('failed');
    expect(record).toMatchObject({ outcome: 'failed', attempts: 0, error: { code: 'E_SECRET_UNAVAILABLE' } });
    expect(record.error?.message).toContain(VARIABLE);
  });
});
