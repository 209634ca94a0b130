import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Deployment } from '../../../src/blueprint/deployment.js';
import { parseBlueprint } from '../../../src/blueprint/load.js';
import { processEvents$, type ProcessEvent } from '../../../src/drivers/process/supervisor.js';

/** The example worker: CPU work per request, /metrics, /healthz. */
export const WORKER = path.resolve(import.meta.dirname, '../../../examples/local-workers/worker.mjs');

/** Polls `check` in real time until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function waitUntil<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** True when an HTTP GET answers 2xx within 2 s. */
export async function serves(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

/** A fresh state directory. */
export function stateDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'hs-state-'));
}

/** Deploys blueprint text (real time) with a fresh state directory, collecting process events. */
export async function deploy(text: string, dir = stateDir()): Promise<{ deployment: Deployment; events: ProcessEvent[]; stateDir: string }> {
  const events: ProcessEvent[] = [];
  const subscription = processEvents$.subscribe((e) => events.push(e));
  const deployment = await Deployment.create(await parseBlueprint(text, path.join(dir, 'blueprint.yaml')), { stateDir: dir });
  deployment.start();
  const stop = deployment.stop.bind(deployment);
  deployment.stop = async () => {
    await stop();
    subscription.unsubscribe();
  };
  return { deployment, events, stateDir: dir };
}

/** A `node -e` process entity config line. */
export function nodeScript(script: string): string {
  return `{ command: ${JSON.stringify(process.execPath)}, args: ["-e", ${JSON.stringify(script)}] }`;
}
