// `homeostat run --request-timeout <seconds>`, as a real process: a request whose body never arrives is answered
// 408 and its connection closed within the bound; a bound that is not a number of seconds from 0.001 to 600 is
// refused naming the option.
import net from 'node:net';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from './built-command.js';
import { startCommand, type CommandProcess } from './command-process.js';

const bin = path.join(repoRoot, 'bin/homeostat.js');
const service = path.join(repoRoot, 'test/server/fixtures/service.yaml');
const started: CommandProcess[] = [];

afterEach(() => {
  // a test that failed half-way leaves nothing running
  for (const command of started.splice(0)) if (command.child.exitCode === null && command.child.signalCode === null) command.child.kill('SIGKILL');
});

describe('homeostat run --request-timeout', () => {
  it('answers a request whose body never arrives with 408 within the bound', async () => {
    const command = startCommand(bin, ['run', service, '--port', '0', '--request-timeout', '0.3', '--log-format', 'json'], { cwd: repoRoot, env: { OTEL_SDK_DISABLED: 'true' } });
    started.push(command);
    const listening = await command.lineOf('stdout', (line) => line.includes('"urls"'), 60_000);
    const port = Number(new URL((JSON.parse(listening) as { urls: string[] }).urls[0] as string).port);
    const began = performance.now();
    const answer = await new Promise<{ text: string; afterMs: number }>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('POST /entities/web/sensors/load HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve({ text, afterMs: performance.now() - began }));
      // bounded: a service that never answers fails the test rather than holding it
      setTimeout(() => socket.destroy(), 15_000).unref();
    });
    expect(answer.text.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect(answer.afterMs).toBeGreaterThanOrEqual(280);
    expect(answer.afterMs).toBeLessThan(5_000);
    command.child.kill('SIGINT');
    expect((await command.ended(30_000)).code).toBe(0);
  }, 90_000);

  it.each(['0', '-1', '601', 'soon'])('refuses --request-timeout %s, naming the option', async (value) => {
    const command = startCommand(bin, ['run', service, '--port', '0', '--request-timeout', value], { cwd: repoRoot, env: { OTEL_SDK_DISABLED: 'true' } });
    started.push(command);
    const end = await command.ended(60_000);
    expect(end.code).not.toBe(0);
    expect(command.stderr()).toContain("option '--request-timeout <seconds>' argument");
    expect(command.stderr()).toContain('a request timeout is a number of seconds from 0.001 to 600');
  }, 90_000);
});
