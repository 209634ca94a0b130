import { describe, expect, it } from 'vitest';
import { authFromEnvironment } from '../../src/cli/service-environment.js';

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
    expect(() => authFromEnvironment({ ...env, HOMEOSTAT_JWKS_COOLDOWN_SECONDS: '99999' })).toThrow(/jwksCooldownSeconds/);
  });
});
