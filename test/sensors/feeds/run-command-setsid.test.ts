// A command whose child leaves its process group (setsid, a daemonizing script) and keeps stdout open held
// each read until the feed's timeout, though the command had exited 0 with its output: every other poll
// of such an exec feed failed. The read now ends a moment after the command exits, with what it wrote.
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../../src/sensors/feeds/run-command.js';

/** Starts a child in a session of its own that inherits stdout and lives 30 s, prints its pid and a value, exits. */
const DAEMONIZING = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
child.unref();
console.log(child.pid + ' 5');
`;

describe('runCommand with a child outside its process group', () => {
  it('ends the read once the command has exited, with its output, while the child holds stdout open', async () => {
    const stdout = await runCommand([process.execPath, '-e', DAEMONIZING], { signal: AbortSignal.timeout(20_000) });
    const [pid, value] = stdout.trim().split(' ').map(Number);
    expect(value).toBe(5);
    // the child is beyond the group's SIGKILL, and alive: this test started it, and ends it
    expect(() => process.kill(pid as number, 0)).not.toThrow();
    process.kill(pid as number, 'SIGKILL');
  });
});
