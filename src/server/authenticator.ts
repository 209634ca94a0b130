import { createPublicKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { AuthSettingsError, authEnabled, staticPrincipal, type AuthSettings, type Principal } from './auth.js';
import { mapClaims } from './claim-mapping.js';
import { JwksCache } from './jwks-cache.js';
import { publicJoseRefusal, publicRefusalOf, type PublicRefusal } from './public-refusal.js';

/**
 * What authenticating a request gave: a principal, or the reason for a 401: `refused` in detail (for the audit
 * log and the service's log) and `reason`, what the caller may be told (see `PublicRefusal`).
 */
export type AuthResult = { readonly principal: Principal } | { readonly refused: string; readonly reason: PublicRefusal };

/**
 * The time claims of a JWT, when present, are numbers of seconds; wrong types are refused (401). Name, role,
 * scope and tenant are read by the claim mapping (`claims` in the settings).
 */
export const claimsSchema = z.looseObject({
  exp: z.number().finite().optional(),
  nbf: z.number().finite().optional(),
  iat: z.number().finite().optional(),
});

/** The local caller when no access control is configured: an admin of the whole tree. */
export const LOCAL_ADMIN: Principal = { name: 'local', role: 'admin' };

/**
 * Builds the request authenticator: static bearer tokens first, then JWTs verified by `jose` (HS256 with the
 * secret; RS256/ES256 with the public key or the JWKS), with `exp`/`nbf`/`iat` checked within the clock skew.
 * @throws AuthSettingsError when the public key cannot be read
 */
export function createAuthenticator(settings: AuthSettings, now: () => number = Date.now): (header: string | undefined) => Promise<AuthResult> {
  if (!authEnabled(settings)) return async () => ({ principal: LOCAL_ADMIN });
  const verifier = jwtVerifier(settings, now);
  return async (header) => {
    const match = /^Bearer +(\S+)$/i.exec(header ?? '');
    if (!match) return header ? refusal('the Authorization header is not a bearer token') : refusal('no bearer token');
    const presented = match[1] as string;
    const principal = staticPrincipal(settings, presented);
    if (principal) return { principal };
    if (!verifier || presented.split('.').length !== 3) return refusal('unknown token');
    return verifier(presented);
  };
}

/** A refusal whose detail is itself safe to tell the caller. */
function refusal(detail: string): AuthResult {
  return { refused: detail, reason: publicRefusalOf(detail) };
}

function jwtVerifier(settings: AuthSettings, now: () => number): ((token: string) => Promise<AuthResult>) | undefined {
  const secret = settings.jwtSecret === undefined ? undefined : new TextEncoder().encode(settings.jwtSecret);
  const publicKey = settings.jwtPublicKey === undefined ? undefined : readPublicKey(settings.jwtPublicKey);
  const cache = settings.jwksUrl === undefined ? undefined : new JwksCache(new URL(settings.jwksUrl), { maxAgeMs: settings.jwksMaxAgeSeconds * 1000, cooldownMs: settings.jwksCooldownSeconds * 1000, now });
  const jwks = cache?.getKey;
  const algorithms = [...(secret ? ['HS256'] : []), ...(publicKey ? [publicKey.algorithm] : []), ...(jwks ? ['RS256', 'ES256'] : [])];
  if (algorithms.length === 0) return undefined;
  const key: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256' && secret) return secret;
    // with both a public key and a JWKS, a token that names its key (kid) is checked against the JWKS
    if (jwks && (header.kid !== undefined || !publicKey)) return jwks(header, token);
    if (publicKey && header.alg === publicKey.algorithm) return publicKey.key;
    throw new joseErrors.JOSEAlgNotAllowed(`"${String(header.alg)}" is not accepted`);
  };
  const skew = settings.clockSkewSeconds;
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: [...new Set(algorithms)],
        clockTolerance: skew,
        currentDate: new Date(now()),
        ...(settings.jwtIssuer ? { issuer: settings.jwtIssuer } : {}),
        ...(settings.jwtAudience ? { audience: settings.jwtAudience } : {}),
      });
      const claims = claimsSchema.safeParse(payload);
      if (!claims.success) return { refused: `JWT claims: ${claims.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ')}`, reason: 'the token claims are not accepted' };
      if (claims.data.iat !== undefined && claims.data.iat > now() / 1000 + skew) return { refused: 'JWT issued in the future (iat)', reason: 'the token was issued in the future' };
      const mapped = mapClaims(payload, settings.claims);
      if ('refused' in mapped) return { refused: mapped.refused, reason: 'the token claims are not accepted' };
      // accepted until exp, within the same skew the check allowed
      return { principal: claims.data.exp === undefined ? mapped : { ...mapped, expiresAt: (claims.data.exp + skew) * 1000 } };
    } catch (error) {
      return { refused: `JWT: ${error instanceof Error ? error.message : 'invalid'}`, reason: publicJoseRefusal(error) };
    }
  };
}

function readPublicKey(pem: string): { key: KeyObject; algorithm: 'RS256' | 'ES256' } {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (error) {
    throw new AuthSettingsError(`invalid access control settings: jwtPublicKey cannot be read as a PEM public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' };
  throw new AuthSettingsError(`invalid access control settings: jwtPublicKey must be an RSA key (RS256) or a P-256 EC key (ES256), got ${key.asymmetricKeyType ?? 'unknown'}`);
}
