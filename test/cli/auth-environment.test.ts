import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { authFromEnvironment } from '../../src/cli/service-environment.js';
import { repoRoot } from './built-command.js';
import { startCommand } from './command-process.js';

const TOKEN = 'a-token-of-24-characters';

describe('access control from the environment', () => {
  it('takes the JWKS refetch cooldown from HOMEOSTAT_JWKS_COOLDOWN_SECONDS, 30 s when unset', () => {
    const jwks = { HOMEOSTAT_JWKS_URL: 'http://127.0.0.1:9400/jwks.json' };
    expect(authFromEnvironment({ ...jwks, HOMEOSTAT_JWKS_COOLDOWN_SECONDS: '0' })).toMatchObject({ jwksCooldownSeconds: 0 });
    expect(authFromEnvironment({ ...jwks, HOMEOSTAT_JWKS_COOLDOWN_SECONDS: '5' })).toMatchObject({ jwksCooldownSeconds: 5 });
    expect(authFromEnvironment(jwks)).toMatchObject({ jwksCooldownSeconds: 30 });
  });

  it('refuses a cooldown that is not a whole number of seconds, naming the variable and the value', () => {
    const env = { HOMEOSTAT_JWKS_URL: 'http://127.0.0.1:9400/jwks.json', HOMEOSTAT_JWKS_COOLDOWN_SECONDS: '2s' };
    expect(() => authFromEnvironment(env)).toThrow("HOMEOSTAT_JWKS_COOLDOWN_SECONDS must be a whole number of seconds, not '2s'");
    expect(() => authFromEnvironment({ ...env, HOMEOSTAT_JWKS_COOLDOWN_SECONDS: '99999' })).toThrow(/HOMEOSTAT_JWKS_COOLDOWN_SECONDS: Too big/);
  });

  // JSON.parse keeps the last of a key given twice: a token written as admin and then viewer was a viewer
  it('refuses a key given twice in HOMEOSTAT_TOKENS or HOMEOSTAT_JWT_CLAIMS, naming the variable, the key and where', () => {
    expect(() => authFromEnvironment({ HOMEOSTAT_TOKENS: `[{"token":"${TOKEN}","name":"ann","role":"admin","role":"viewer"}]` })).toThrow(
      "HOMEOSTAT_TOKENS has the key 'role' twice in one object, at 0.role (the second at character 65): only the last value would be kept, so it is refused",
    );
    const secret = { HOMEOSTAT_JWT_SECRET: 'x'.repeat(32) };
    expect(() => authFromEnvironment({ ...secret, HOMEOSTAT_JWT_CLAIMS: '{"roles":["groups"],"roles":["realm"]}' })).toThrow("HOMEOSTAT_JWT_CLAIMS has the key 'roles' twice in one object, at roles");
    expect(() => authFromEnvironment({ HOMEOSTAT_TOKENS: '[{"__proto__":{}}]' })).toThrow("HOMEOSTAT_TOKENS has a key '__proto__' at 0");
    expect(() => authFromEnvironment({ HOMEOSTAT_TOKENS: '[{"token":' })).toThrow(/^HOMEOSTAT_TOKENS must be a JSON list of \{ token, name, role, scope\? \}; it is not JSON \(/);
  });

  it('names the variable a bad setting came from, not HOMEOSTAT_TOKENS for all of them', () => {
    expect(() => authFromEnvironment({ HOMEOSTAT_JWKS_URL: 'ftp://idp.example/jwks' })).toThrow("invalid access control settings: HOMEOSTAT_JWKS_URL: a JWKS URL must be an http(s) URL whose port (if given) is from 1 to 65535, such as https://idp.example/jwks.json; 'ftp://idp.example/jwks' is not");
    // an http URL whose port is out of range was told it must be an http(s) address, which it was
    expect(() => authFromEnvironment({ HOMEOSTAT_JWKS_URL: 'http://127.0.0.1:99999/jwks' })).toThrow("port (if given) is from 1 to 65535, such as https://idp.example/jwks.json; 'http://127.0.0.1:99999/jwks' is not");
    expect(() => authFromEnvironment({ HOMEOSTAT_JWT_SECRET: 'short' })).toThrow('HOMEOSTAT_JWT_SECRET: a JWT secret must be at least 32 characters');
    expect(() => authFromEnvironment({ HOMEOSTAT_JWT_SECRET: 'x'.repeat(32), HOMEOSTAT_JWT_CLAIMS: '{"roles":"groups"}' })).toThrow('HOMEOSTAT_JWT_CLAIMS at roles: ');
    expect(() => authFromEnvironment({ HOMEOSTAT_TOKENS: '[{"token":"short","name":"ann","role":"admin"}]' })).toThrow('HOMEOSTAT_TOKENS at 0.token: a token must be at least 16 characters');
  });

  it('homeostat run refuses a token with its role given twice: exit 1, the variable named, no stack trace', async () => {
    const tokens = `[{"token":"${TOKEN}","name":"ann","role":"viewer","role":"admin"}]`;
    const command = startCommand(path.join(repoRoot, 'bin/homeostat.js'), ['run', path.join(repoRoot, 'test/cli/fixtures/idle.yaml'), '--port', '0', '--log-format', 'json'], { cwd: repoRoot, env: { HOMEOSTAT_TOKENS: tokens } });
    expect(await command.ended(60_000)).toEqual({ code: 1, signal: null });
    expect(command.stderr().trim()).toBe("cannot start the HTTP service: HOMEOSTAT_TOKENS has the key 'role' twice in one object, at 0.role (the second at character 66): only the last value would be kept, so it is refused");
  }, 70_000);
});
