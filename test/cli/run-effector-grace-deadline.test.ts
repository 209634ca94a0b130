// The API's effectors and the loops' share one deadline, effectorGraceMs after the stop began: each step that
// waits on effectors (the loops' stop, then the HTTP close, which may wait on an API effector) gets only what
// is left of it, so every effector is aborted (and recorded) within the stop's grace rather than abandoned
// past it.
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, expect, it, vi } from 'vitest';
import { Deployment } from '../../src/blueprint/deployment.js';
import { runCommand } from '../../src/cli/run-command.js';

afterEach(() => vi.restoreAllMocks());

it('aborts the loops\' effectors no later than effectorGraceMs after the stop began, and an API effector the HTTP close waits on at that deadline too', async () => {
  const stopGraceMs = 2_000;
  const effectorGraceMs = 1_500; // stopGraceMs - min(1 s, stopGraceMs / 4)
  const calls: { at: number; graceMs: number | undefined }[] = [];
  let stopBegan = 0;
  const original = Deployment.prototype.stopLoops;
  vi.spyOn(Deployment.prototype, 'stopLoops').mockImplementation(function (this: Deployment, options) {
    calls.push({ at: performance.now() - stopBegan, graceMs: options?.graceMs });
    return original.call(this, options);
  });
  let port = 0;
  let listening: () => void = () => undefined;
  const served = new Promise<void>((resolve) => (listening = resolve));
  const logger = pino({}, {
    write: (line: string) => {
      const parsed = JSON.parse(line) as { urls?: string[] };
      if (parsed.urls) {
        port = Number(new URL(parsed.urls[0] as string).port);
        listening();
      }
    },
  });
  let finish: () => void = () => undefined;
  const until = new Promise<void>((resolve) => (finish = resolve));
  const stderr: string[] = [];
  const code = runCommand(path.join(import.meta.dirname, '../server/fixtures/service.yaml'), { port: 0, until, logger, stopGraceMs, exit: () => undefined }, { out: () => undefined, err: (l) => stderr.push(l) });
  await served;
  // an API effector that runs for 10 minutes: the HTTP close waits its grace on it
  const response = await fetch(`http://127.0.0.1:${port}/entities/slow/effectors/restart?wait=0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(response.status).toBe(202);
  stopBegan = performance.now();
  finish();
  expect(await code).toBe(1);
  // the API effector was aborted at the same deadline: the whole stop fitted in its grace
  expect(performance.now() - stopBegan).toBeLessThan(stopGraceMs);
  expect(stderr.join('\n')).toContain('so they were aborted: 1 effector in flight (restart on slow, running ');
  const stop = calls.find((c) => c.graceMs !== undefined);
  expect(stop).toBeDefined();
  // the deadline the engine aborts the loops' effectors at, measured from the start of the stop
  const loopsDeadline = (stop?.at ?? 0) + (stop?.graceMs ?? 0);
  expect(loopsDeadline).toBeLessThanOrEqual(effectorGraceMs + 250);
}, 20_000);
