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
}

/** Starts `homeostat run <blueprint> --redis <url> --ha --port N` with extra arguments. */
export async function startInstance(blueprint: string, redisUrl: string, extra: string[] = [], children?: Set<ChildProcess>): Promise<HaInstance> {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(root, 'bin/homeostat.js'), 'run', blueprint, '--redis', redisUrl, '--ha', '--port', String(port), ...extra], { cwd: root, stdio: 'ignore' });
  children?.add(child);
  child.once('exit', () => children?.delete(child));
  return { child, port };
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
