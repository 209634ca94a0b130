// Once stopped, runCommand waits (up to 1 s, 200 ms when forced) for the log to drain before it calls exit. Its
// signal listeners stay until then: a SIGINT/SIGTERM in that window must not meet Node's default action, which
// would end the process by the signal, losing the decided code, the last log lines and the exit hooks.
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';

it('still takes SIGINT/SIGTERM while the last log lines drain, before exit is called', async () => {
  const baseline = { SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') };
  let running: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (running = resolve));
  const logger = pino({}, { write: (line: string) => (line.includes('Ctrl-C stops') ? running() : undefined) });
  const duringFlush: { SIGINT: number; SIGTERM: number }[] = [];
  Object.assign(logger, {
    flush: (done: () => void) => {
      duringFlush.push({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') });
      setTimeout(done, 50); // a destination that takes a moment to drain
    },
  });
  const exited: number[] = [];
  const code = runCommand(path.join(import.meta.dirname, 'fixtures/idle.yaml'), { logger, exit: (c) => exited.push(c) }, { out: () => undefined, err: () => undefined });
  await started;
  process.emit('SIGINT'); // the first signal: the run stops
  expect(await code).toBe(0);
  expect(exited).toEqual([0]);
  expect(duringFlush).toHaveLength(1);
  // while it drains, a further signal must still reach the run's listener, not Node's default action
  expect(duringFlush[0]?.SIGINT).toBeGreaterThan(baseline.SIGINT);
  expect(duringFlush[0]?.SIGTERM).toBeGreaterThan(baseline.SIGTERM);
  // and once exit was called, none is left behind
  expect({ SIGINT: process.listenerCount('SIGINT'), SIGTERM: process.listenerCount('SIGTERM') }).toEqual(baseline);
}, 20_000);
