// `until` may fail at any time after runCommand is called, not only once the loops run: while the blueprint
// loads its rejection must already be handled, or Node reports it as unhandled (and by default ends the process).
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';

it('handles an `until` that fails while the blueprint is still loading', async () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown): void => void unhandled.push(reason);
  // vitest's own listener fails the run as well: this one says which rejection it was
  process.on('unhandledRejection', record);
  try {
    const logged: string[] = [];
    const logger = pino({}, { write: (line: string) => void logged.push(line) });
    let fail: (error: Error) => void = () => undefined;
    const until = new Promise<void>((_, reject) => (fail = reject));
    const code = runCommand(path.join(import.meta.dirname, 'fixtures/idle.yaml'), { until, logger }, { out: () => undefined, err: (line) => logged.push(line) });
    fail(new Error('the embedding program gave up early')); // runCommand is awaiting the blueprint now
    expect(await code).toBe(1);
    expect(logged.join('\n')).toContain('until failed: the embedding program gave up early');
    expect(unhandled).toEqual([]);
  } finally {
    process.off('unhandledRejection', record);
  }
});
