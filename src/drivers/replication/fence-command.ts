import { execFile } from 'node:child_process';
import { z } from 'zod';
import { HomeostatError } from '../../core/errors.js';
import { renderTemplate } from '../../effectors/kinds/template.js';

/**
 * A STONITH hook: a program (argv, never a shell) that makes an unreachable database unable to serve, e.g.
 * a power or cloud API call, or `kill -KILL` of a local pid. Templates: `{{id}}`, `{{host}}`, `{{port}}`.
 */
export const fenceCommandSchema = z.array(z.string().min(1)).min(1);

/** A database that could be neither reached nor fenced by its fence command. */
export class FenceFailedError extends HomeostatError {
  constructor(entityId: string, why: string) {
    super('E_FENCE_FAILED', `could not fence '${entityId}': ${why}`, { retryable: true });
  }
}

/**
 * Runs the fence command; resolves when it exits 0.
 * @throws FenceFailedError when it exits otherwise, cannot start, or outlives `timeoutMs` or the signal
 */
export function runFenceCommand(argv: readonly string[], scope: { id: string; host: string; port: number }, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const values = { id: scope.id, host: scope.host, port: String(scope.port) };
  const [program, ...args] = argv.map((arg) => renderTemplate(arg, values));
  return new Promise((resolve, reject) => {
    execFile(program as string, args, { timeout: timeoutMs, signal, killSignal: 'SIGKILL' }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const last = String(stderr).trim().split('\n').at(-1) ?? '';
      reject(new FenceFailedError(scope.id, `it is unreachable and the fence command ${program ?? ''} failed (${error.message.split('\n')[0] ?? ''}${last ? `: ${last}` : ''})`));
    });
  });
}
