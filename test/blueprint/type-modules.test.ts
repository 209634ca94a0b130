import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { loadBlueprint } from '../../src/blueprint/load.js';
import { main } from '../../src/cli/main.js';
import { VirtualClock } from '../../src/testing/virtual-clock.js';
import { calls } from './fixtures/custom/acme-types.js';

const dir = 'test/blueprint/fixtures/custom';

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['node', 'homeostat', ...args], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('custom types in the CLI (types: in a blueprint)', () => {
  it('validate accepts a blueprint whose entity types, feed kinds and effector kinds come from a module', async () => {
    const result = await cli('validate', `${dir}/tanks.yaml`);
    expect(result.err).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.out[0]).toContain("valid blueprint 'tanks'");
  });

  it('their config and declarations get the same positioned errors as the built-ins', async () => {
    const result = await cli('validate', `${dir}/bad-tanks.yaml`);
    expect(result.code).toBe(1);
    const file = `${dir}/bad-tanks.yaml`;
    expect(result.err).toEqual([
      `${file}:2:26: types module './missing-types.ts': no such file ${path.resolve(dir, 'missing-types.ts')}`,
      `${file}:2:46: types module './not-types.ts': unknown export key 'plugins' (its default export must be defineTypes({ entityTypes, feedKinds, effectorKinds }))`,
      `${file}:8:27: capacity: Too small: expected number to be >0`,
      `${file}:8:31: unknown key 'colour' (known: capacity, fillPerTick, tick)`,
      `${file}:10:54: message: Too small: expected string to have >=1 characters`,
      `${file}:10:58: unknown key 'extra'`,
      expect.stringMatching(new RegExp(`^${file}:12:13: unknown entity type 'acme.tonk' \\(known: acme.tank, application, .*process, process-group`)),
      `${file}:15:54: step: Too small: expected number to be >0`,
      `${file}:16:19: unknown feed kind 'acme.metre' (known: acme.meter, exec, http, prometheus, scan-report)`,
      `${file}:17:64: template field 'config.volume': the entity's config has no 'volume' (it has: nothing)`,
    ]);
  });

  it('run: the custom type is driven, its feed kind polled and its effector kind invoked like any other', async () => {
    const clock = new VirtualClock();
    const deployment = await Deployment.create(await loadBlueprint(`${dir}/tanks.yaml`), { scheduler: clock });
    deployment.start();
    const tank = deployment.tree.get('tank-1');
    await clock.advanceBy(5_000);
    expect(tank.sensor('level').value).toBe(10);
    expect(tank.sensor('outflow').value).toBe(12); // the module's feed kind, polled at 0..5 s by the same runner as the built-ins
    expect(deployment.feeds.health('tank-1')).toEqual([expect.objectContaining({ kind: 'acme.meter', polls: 6, consecutiveFailures: 0 })]);
    await deployment.engine.invoker.invoke(tank, 'alarm', { level: 10 }, { caller: { kind: 'person', name: 'ops' } });
    expect(calls).toContainEqual({ entity: 'tank-1', message: 'tank full at 10' });
    await expect(deployment.engine.invoker.invoke(tank, 'alarm', { level: 'high' }, { caller: { kind: 'person', name: 'ops' } })).rejects.toThrow(/level/);
    await deployment.stop();
  });

  it('run and simulate start from the command line with the custom types', async () => {
    const simulated = await cli('simulate', `${dir}/tanks.yaml`, '--trace', 'examples/traces/wc_day53-r0-105m-l70.delta', '--duration', '60', '--json');
    expect(simulated.code).toBe(0);
    expect(JSON.parse(simulated.out.join('\n'))).toHaveProperty('decisions');
    const { runCommand } = await import('../../src/cli/run-command.js');
    const { pino } = await import('pino');
    const logged: string[] = [];
    const logger = pino({}, { write: (line: string) => void logged.push(line) });
    let stop: () => void = () => undefined;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const running = runCommand(`${dir}/tanks.yaml`, { until, logger }, { out: () => undefined, err: (l) => logged.push(l) });
    await new Promise((resolve) => setTimeout(resolve, 200));
    stop();
    expect(await running).toBe(0);
    expect(logged.join('\n')).toContain("running 'tanks': 2 entities");
  });
});
