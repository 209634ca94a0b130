// `runCommand` embedded with an `until` promise (tests, an embedding program): one that fails asks for the
// stop like one that resolves, so the loops, the service and the process hold do not outlive it; and the run
// ends with 1, its error on stderr, since what it waited on failed.
import path from 'node:path';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { runCommand } from '../../src/cli/run-command.js';

const idle = path.join(import.meta.dirname, 'fixtures/idle.yaml');

/** Runs `idle` until `until` settles, once the loops run; returns its code, its log lines and its stderr. */
async function runUntil(settle: (resolve: () => void, reject: (error: Error) => void) => void): Promise<{ code: number; exited: number[]; logged: string; stderr: string[] }> {
  const logged: string[] = [];
  const stderr: string[] = [];
  const exited: number[] = [];
  let running: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (running = resolve));
  const logger = pino({}, {
    write: (line: string) => {
      logged.push(line);
      if (line.includes('Ctrl-C stops')) running();
    },
  });
  let resolveUntil: () => void = () => undefined;
  let rejectUntil: (error: Error) => void = () => undefined;
  const until = new Promise<void>((resolve, reject) => {
    resolveUntil = resolve;
    rejectUntil = reject;
  });
  const code = runCommand(idle, { until, logger, exit: (c) => exited.push(c) }, { out: () => undefined, err: (line) => stderr.push(line) });
  await started;
  settle(resolveUntil, rejectUntil);
  return { code: await code, exited, logged: logged.join('\n'), stderr };
}

it('ends with 1 when `until` rejects, its error on stderr, after stopping cleanly', async () => {
  const run = await runUntil((_, reject) => reject(new Error('the embedding program gave up')));
  expect(run.code).toBe(1);
  expect(run.exited).toEqual([1]);
  expect(run.stderr).toEqual(['homeostat: until failed: the embedding program gave up']);
  // the stop itself was clean: the loops, the store and the hold were all let go
  expect(run.logged).toContain('stopped cleanly');
});

it('ends with 0 and says nothing on stderr when `until` resolves', async () => {
  const run = await runUntil((resolve) => resolve());
  expect(run.code).toBe(0);
  expect(run.exited).toEqual([0]);
  expect(run.stderr).toEqual([]);
  expect(run.logged).toContain('stopped cleanly');
});

it('explains the code on stderr only, not also as a log line, when the log shows on the same terminal', async () => {
  const logged: string[] = [];
  const stderr: string[] = [];
  let running: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (running = resolve));
  const logger = pino({}, { write: (line: string) => (logged.push(line), line.includes('Ctrl-C stops') && running()) });
  let rejectUntil: (error: Error) => void = () => undefined;
  const until = new Promise<void>((_, reject) => (rejectUntil = reject));
  const code = runCommand(idle, { until, logger, logShowsOnStderr: true }, { out: () => undefined, err: (line) => stderr.push(line) });
  await started;
  rejectUntil(new Error('the embedding program gave up'));
  expect(await code).toBe(1);
  expect(stderr).toEqual(['homeostat: until failed: the embedding program gave up']);
  // no ERROR line: the explanation is on the terminal once, from stderr
  expect(logged.filter((line) => (JSON.parse(line) as { level: number }).level >= 50)).toEqual([]);
});

it('keeps the explanation as a log line too when the log goes elsewhere (the default)', async () => {
  const run = await runUntil((_, reject) => reject(new Error('the embedding program gave up')));
  expect(run.stderr).toEqual(['homeostat: until failed: the embedding program gave up']);
  const errors = run.logged.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as { level: number; msg: string }).filter((line) => line.level >= 50);
  expect(errors.map((line) => line.msg)).toEqual(['until failed: the embedding program gave up']);
});
