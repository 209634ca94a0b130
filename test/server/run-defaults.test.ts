import { describe, expect, it } from 'vitest';
import { runToExit, startService } from './service-process.js';

const NO_TOKENS = { HOMEOSTAT_TOKENS: '' };

describe('homeostat run: unsafe defaults are refused or said loudly', () => {
  it('refuses a non-loopback --host without access control, in one sentence, before starting anything', async () => {
    const result = await runToExit(['--port', '0', '--host', '0.0.0.0'], NO_TOKENS);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('refusing to serve 0.0.0.0 without access control: every caller would be an admin; set HOMEOSTAT_TOKENS (or a JWT key), listen on 127.0.0.1, or pass --allow-unauthenticated');
    expect(result.stdout).not.toContain('running');
  });

  it('refuses duplicate token strings with different roles at start', async () => {
    const tokens = JSON.stringify([{ token: 'duplicate-token-string-1', name: 'v', role: 'viewer' }, { token: 'duplicate-token-string-1', name: 'a', role: 'admin' }]);
    const result = await runToExit(['--port', '0'], { HOMEOSTAT_TOKENS: tokens });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^cannot start the HTTP service: invalid access control settings: HOMEOSTAT_TOKENS at 1\.token: the same token string is given twice/);
    expect(result.stderr.split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('with --allow-unauthenticated serves every interface, logs that address and warns that every caller is an admin', async () => {
    const service = await startService(['--host', '0.0.0.0', '--allow-unauthenticated'], NO_TOKENS);
    try {
      expect(service.urls[0]).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect(service.stdout()).toMatch(/HTTP API on every interface \(http:\/\/0\.0\.0\.0:\d+\)/);
      // the warning follows the address line, maybe in a later write
      const warning = await service.untilLogged('NO ACCESS CONTROL');
      expect(JSON.parse(warning)).toMatchObject({ level: 40 });
      expect((await fetch(`${service.url}/entities`)).status).toBe(200); // as it said: no token needed
    } finally {
      service.child.kill('SIGTERM');
      expect((await service.exited).code).toBe(0);
    }
  });
});
