import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../support/free-port.js';

const root = path.resolve(import.meta.dirname, '../..');

/**
 * Writes a blueprint whose ticker policy calls the fenced target's `/act/<entity>` every `everyMs`: on the
 * root alone, or on each of `shards` top-level entities (one shard each).
 */
export async function tickerBlueprint(targetPort: number, everyMs = 100, shards = 0): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'homeostat-ha-'));
  const file = path.join(dir, 'fenced.yaml');
  const acting = (indent: string): string => [
    'effectors:',
    '  - { name: act, kind: http, method: POST, url: "http://127.0.0.1:' + targetPort + '/act/{{id}}", status: [200], timeout: 2s }',
    'policies:',
    `  - { module: ${path.join(root, 'test/cluster/fixtures/ticker-policy.ts')}, config: { every: ${everyMs} } }`,
  ].map((line) => indent + line).join('\n');
  const children = Array.from({ length: shards }, (_, i) => `    - id: s${i + 1}\n${acting('      ')}`).join('\n');
  await writeFile(file, `name: fenced\napplication:\n  id: app\n${shards === 0 ? acting('  ') : `  children:\n${children}`}\n`);
  return file;
}

/** A `homeostat run --ha` process serving /health on a free port. */
export interface HaInstance {
  readonly child: ChildProcess;
  readonly port: number;
  /** The last lines the process wrote to stderr (why it exited, when it did), at most `STDERR_TAIL_CHARS`. */
  readonly stderrTail: () => string;
}

/** How much of an instance's stderr is kept for a failure message (characters). */
export const STDERR_TAIL_CHARS = 2_000;

/**
 * Starts `homeostat run <blueprint> --redis <url> --ha --port N` with extra arguments.
 * @param cutShort aborted once the test's cleanup ran (its afterAll): a test body vitest timed out goes on
 *   running, and must not leave a process nobody stops. Then nothing is started (it throws), and a process
 *   started before is killed (SIGKILL) when it aborts.
 * @throws when `cutShort` has aborted
 */
export async function startInstance(blueprint: string, redisUrl: string, extra: string[] = [], children?: Set<ChildProcess>, cutShort?: AbortSignal): Promise<HaInstance> {
  const port = await freePort();
  if (cutShort?.aborted) throw new Error(`not starting an instance on port ${port}: the test was cut short and cleaned up`);
  // stdout (the log) is not read; stderr is short (a refusal to start) and kept for the failure message
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint, '--redis', redisUrl, '--ha', '--port', String(port), ...extra], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(cutShort ? { signal: cutShort, killSignal: 'SIGKILL' as const } : {}),
  });
  // the abort that kills it is no error of the test's (spawn reports it as one on the child); others are
  child.on('error', (error) => {
    if (error.name !== 'AbortError') throw error;
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-STDERR_TAIL_CHARS)));
  children?.add(child);
  child.once('exit', () => children?.delete(child));
  return { child, port, stderrTail: () => stderr };
}

/** What /health says of the root lease, or undefined when the instance does not answer. */
export async function leaseOf(instance: HaInstance): Promise<{ role: string; token?: number; holder?: string } | undefined> {
  try {
    const body = (await (await fetch(`http://127.0.0.1:${instance.port}/health`, { signal: AbortSignal.timeout(1_000) })).json()) as { leases?: { role: string; token?: number; holder?: string }[] };
    return body.leases?.[0];
  } catch {
    return undefined;
  }
}

/**
 * Waits until every instance of `pool` answers /health: each has booted, reached Redis and competes for the
 * lease. A process's start is not bounded by the lease protocol (under load, loading the sources takes
 * seconds), so a test waits for it before the next fault instead of folding it into a protocol deadline.
 * @throws naming each instance that did not answer, with its exit and the end of its stderr
 */
export async function allAnswering(pool: readonly HaInstance[], timeoutMs: number): Promise<void> {
  const exited = (i: HaInstance): boolean => i.child.exitCode !== null || i.child.signalCode !== null;
  const describe = (silent: HaInstance[]): string => silent.map((i) => `port ${i.port} (${i.child.exitCode ?? i.child.signalCode ?? 'running'}): ${JSON.stringify(i.stderrTail().trim())}`).join('; ');
  let silent: HaInstance[] = [];
  // an instance that exited never answers: stop waiting at once
  const settled = await until('every instance answering /health', timeoutMs, async () => {
    const answers = await Promise.all(pool.map((instance) => leaseOf(instance)));
    silent = pool.filter((_, n) => answers[n] === undefined);
    return silent.length === 0 || silent.some(exited) ? silent : undefined;
  }).catch((error: unknown) => {
    throw new Error(`${String(error)}; not answering: ${describe(silent)}`);
  });
  if (settled.length > 0) throw new Error(`not every instance answers /health: ${describe(settled)}`);
}

/** Polls until `probe` gives a value, or throws naming `what`. */
export async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const started = performance.now();
  for (;;) {
    const value = await Promise.resolve().then(probe).catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() - started > timeoutMs) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
