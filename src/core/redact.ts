const SECRET = /pass(word)?|secret|token|api[-_]?key|credential|private[-_]?key|authorization/i;

/**
 * A deep copy with the values of secret-looking keys (password, secret, token, api key, credential...)
 * replaced: secrets never reach logs, decisions, invocation records or audit entries.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET.test(k) ? '[redacted]' : redact(v, depth + 1)]));
}
