// With OTEL_SDK_DISABLED=TRUE the OpenTelemetry SDK disables itself (it reads booleans whatever their case),
// but `homeostat run` compared the value with 'true' alone: it started the SDK and logged "OpenTelemetry
// tracing started" when nothing would be traced. The real command is run and stopped with SIGTERM.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

describe('homeostat run with OTEL_SDK_DISABLED=TRUE', () => {
  it('starts no SDK and says no tracing started', async () => {
    const command = startCommand(path.join(repoRoot, 'bin/homeostat.js'), ['run', path.join(repoRoot, 'test/cli/fixtures/idle.yaml'), '--log-format', 'json'], { cwd: repoRoot, env: { OTEL_SDK_DISABLED: 'TRUE', OTEL_TRACES_EXPORTER: 'console' } });
    await command.lineOf('stdout', (line) => line.includes('Ctrl-C stops'), 60_000);
    command.child.kill('SIGTERM');
    expect(await command.ended(30_000)).toEqual({ code: 0, signal: null });
    expect(command.stdout()).not.toContain('OpenTelemetry tracing started');
    expect(command.stderr()).toBe('');
  }, 100_000);
});
