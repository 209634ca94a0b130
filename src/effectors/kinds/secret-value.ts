import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { TerminalEffectorError } from '../../core/errors.js';
import { isSecretSource, readSecretSource, type SecretSource } from '../../core/secret-ref.js';

/**
 * A value that may be secret: plain text written in the blueprint (for what is not secret, such as a
 * content type), or `{ secret: { env: NAME } }` / `{ secret: { file: path } }` (or the bare `{ env }` /
 * `{ file }`) read at each use, with an optional `prefix` (`Bearer `). Secret values are never logged,
 * recorded or put in an error message.
 */
export const secretValueSchema = z.union([
  z.string(),
  z.strictObject({ secret: z.custom<SecretSource>(isSecretSource, { message: 'a secret is { env: VARIABLE } or { file: /path }' }), prefix: z.string().default('') }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), prefix: z.string().default('') }),
  z.strictObject({ file: z.string().min(1), prefix: z.string().default('') }),
]);

/** A parsed secret value source. */
export type SecretValue = z.output<typeof secretValueSchema>;

/**
 * Reads the value now (so a rotated token is picked up without a restart). A file's trailing newline is
 * dropped.
 * @throws TerminalEffectorError naming the variable or file (never the value) when it is missing
 */
export async function readSecretValue(source: SecretValue, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (typeof source === 'string') return source;
  if ('secret' in source) {
    try {
      return source.prefix + (await readSecretSource(source.secret, env));
    } catch (error) {
      throw new TerminalEffectorError((error as Error).message, { code: 'E_SECRET_UNAVAILABLE' });
    }
  }
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined) throw new TerminalEffectorError(`environment variable ${source.env} is not set`, { code: 'E_SECRET_MISSING' });
    return source.prefix + value;
  }
  try {
    return source.prefix + (await readFile(source.file, 'utf8')).replace(/\r?\n$/, '');
  } catch (error) {
    throw new TerminalEffectorError(`cannot read ${source.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { code: 'E_SECRET_MISSING' });
  }
}

/** True when a header or variable value must stay out of logs (it came from env or a file). */
export function isSecret(source: SecretValue): boolean {
  return typeof source !== 'string';
}
