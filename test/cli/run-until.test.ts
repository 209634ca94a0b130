// `runCommand` embedded with an `until` promise (tests, an embedding program): one that fails asks for the
// stop like one that resolves, so the loops, the service and the process hold do not outlive it.
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';

it('stops cleanly when `until` rejects, and says why it stopped', async () => {
  const logged: string[] = [];
  let running: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (running = resolve));
  const logger = pino({}, {
    write: (line: string) => {
      logged.push(line);
      if (line.includes('Ctrl-C stops')) running();
    },
  });
  let fail: (error: Error) => void = () => undefined;
  const until = new Promise<void>((_, reject) => (fail = reject));
  const code = runCommand(path.join(import.meta.dirname, 'fixtures/idle.yaml'), { until, logger }, { out: () => undefined, err: (line) => logged.push(line) });
  await started;
  fail(new Error('the embedding program gave up'));
  expect(await code).toBe(0);
  expect(logged.join('\n')).toContain('until failed: the embedding program gave up');
  expect(logged.join('\n')).toContain('stopped cleanly');
});
