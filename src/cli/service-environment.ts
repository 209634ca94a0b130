import { AuthSettingsError, parseAuthSettings, type AuthSettings } from '../server/auth.js';
import type { AlertmanagerReceiverOptions } from '../server/routes-alertmanager.js';
import { readTokenFile } from '../server/token-file.js';
import { environmentJson } from './environment-json.js';

// What `homeostat run --port` reads from the environment for its HTTP service: secrets stay off the command line.

/** The environment variable each access-control setting comes from. */
const VARIABLE_OF: Readonly<Record<string, string>> = {
  tokens: 'HOMEOSTAT_TOKENS',
  claims: 'HOMEOSTAT_JWT_CLAIMS',
  jwtSecret: 'HOMEOSTAT_JWT_SECRET',
  jwtPublicKey: 'HOMEOSTAT_JWT_PUBLIC_KEY',
  jwksUrl: 'HOMEOSTAT_JWKS_URL',
  jwtIssuer: 'HOMEOSTAT_JWT_ISSUER',
  jwtAudience: 'HOMEOSTAT_JWT_AUDIENCE',
  jwksCooldownSeconds: 'HOMEOSTAT_JWKS_COOLDOWN_SECONDS',
};

/** Where in the environment a problem of the settings is: `HOMEOSTAT_TOKENS at 0.token`, `HOMEOSTAT_JWKS_URL`. */
function variableAt(path: readonly PropertyKey[]): string {
  const [first, ...rest] = path.map(String);
  const variable = first === undefined ? undefined : VARIABLE_OF[first];
  if (variable === undefined) return ['the access-control environment', ...path.map(String)].join(' at ');
  return rest.length === 0 ? variable : `${variable} at ${rest.join('.')}`;
}

/**
 * Access control from the environment, so tokens never appear on a command line: HOMEOSTAT_TOKENS is a JSON
 * list of { token, name, role, scope? }; HOMEOSTAT_JWT_SECRET enables HS256 JWTs; HOMEOSTAT_JWT_PUBLIC_KEY
 * (PEM) or HOMEOSTAT_JWKS_URL enable RS256/ES256 JWTs; HOMEOSTAT_JWT_ISSUER and HOMEOSTAT_JWT_AUDIENCE set
 * the expected `iss` and `aud`; HOMEOSTAT_JWT_CLAIMS is a JSON claim mapping ({ name, roles, roleMap, scope,
 * scopeMap, tenant }) for an OIDC provider's tokens; HOMEOSTAT_JWKS_COOLDOWN_SECONDS is the least time between
 * two JWKS refetches for unknown key ids (default 30).
 * @throws AuthSettingsError naming the variable when it is malformed (one sentence)
 */
export function authFromEnvironment(env: NodeJS.ProcessEnv = process.env): AuthSettings {
  const tokensText = env['HOMEOSTAT_TOKENS'];
  const tokens = tokensText ? environmentJson('HOMEOSTAT_TOKENS', tokensText, 'a JSON list of { token, name, role, scope? }') : [];
  const claimsText = env['HOMEOSTAT_JWT_CLAIMS'];
  const claims = claimsText ? environmentJson('HOMEOSTAT_JWT_CLAIMS', claimsText, 'a JSON object such as { "roles": ["groups"], "roleMap": { "ops": "operator" } }') : undefined;
  const optional = (key: string, variable: string) => (env[variable] ? { [key]: env[variable] } : {});
  const cooldown = env['HOMEOSTAT_JWKS_COOLDOWN_SECONDS'];
  if (cooldown !== undefined && !/^\d+$/.test(cooldown)) throw new AuthSettingsError(`HOMEOSTAT_JWKS_COOLDOWN_SECONDS must be a whole number of seconds, not '${cooldown}'`);
  return parseAuthSettings({
    ...(claims === undefined ? {} : { claims }),
    tokens,
    ...optional('jwtSecret', 'HOMEOSTAT_JWT_SECRET'),
    ...optional('jwtPublicKey', 'HOMEOSTAT_JWT_PUBLIC_KEY'),
    ...optional('jwksUrl', 'HOMEOSTAT_JWKS_URL'),
    ...optional('jwtIssuer', 'HOMEOSTAT_JWT_ISSUER'),
    ...optional('jwtAudience', 'HOMEOSTAT_JWT_AUDIENCE'),
    ...(cooldown === undefined ? {} : { jwksCooldownSeconds: Number(cooldown) }),
  }, variableAt);
}

/**
 * The Alertmanager webhook receiver from the environment: HOMEOSTAT_ALERTMANAGER_TOKEN (or _TOKEN_FILE)
 * enables it, HOMEOSTAT_ALERTMANAGER_LABEL names the alert label holding the entity id (default `entity`).
 */
export function alertmanagerFromEnvironment(env: NodeJS.ProcessEnv = process.env): { alertmanager?: AlertmanagerReceiverOptions } {
  const token = env['HOMEOSTAT_ALERTMANAGER_TOKEN'];
  const tokenFile = env['HOMEOSTAT_ALERTMANAGER_TOKEN_FILE'];
  if (!token && !tokenFile) return {};
  const entityLabel = env['HOMEOSTAT_ALERTMANAGER_LABEL'];
  return { alertmanager: { ...(token ? { token } : { tokenFile: tokenFile as string }), ...(entityLabel ? { entityLabel } : {}) } };
}

/** The fewest characters of an Alertmanager token (as the receiver requires). */
const MIN_ALERTMANAGER_TOKEN = 16;

/**
 * `alertmanagerFromEnvironment` with the token read: from HOMEOSTAT_ALERTMANAGER_TOKEN_FILE when that gives it
 * (a regular file of at most 64 KiB, see `readTokenFile`), and checked for length, so that what is wrong names
 * the variable that holds it.
 * @throws Error naming the variable: a token file that cannot be read, or a token shorter than 16 characters
 */
export async function alertmanagerReceiverFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<{ alertmanager?: AlertmanagerReceiverOptions }> {
  const { alertmanager } = alertmanagerFromEnvironment(env);
  if (!alertmanager) return {};
  const { tokenFile, ...rest } = alertmanager;
  const variable = tokenFile === undefined ? 'HOMEOSTAT_ALERTMANAGER_TOKEN' : 'HOMEOSTAT_ALERTMANAGER_TOKEN_FILE';
  const token = tokenFile === undefined ? (alertmanager.token ?? '') : await readTokenFile(tokenFile, variable);
  if (token.length < MIN_ALERTMANAGER_TOKEN) throw new Error(`${variable}: the Alertmanager token is ${token.length} characters${tokenFile === undefined ? '' : ` (in '${tokenFile}')`}; it must be at least ${MIN_ALERTMANAGER_TOKEN}`);
  return { alertmanager: { ...rest, token } };
}
