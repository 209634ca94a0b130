/**
 * What a 401 tells the caller of why its token was refused: one of a few fixed phrases, never the detailed
 * reason. The caller is not authenticated, and the detail can hold what only the service should know (a JOSE
 * error about an unreachable JWKS names its address, and a credential in its query string; a claim mapping's
 * refusal names the configured claims). The detail goes to the audit log and the service's log.
 */
export type PublicRefusal =
  | 'no bearer token'
  | 'the Authorization header is not a bearer token'
  | 'unknown token'
  | 'the token has expired'
  | 'the token is not valid yet'
  | 'the token was issued in the future'
  | 'the token is from another issuer'
  | 'the token is for another audience'
  | 'the token signature does not verify'
  | 'the token algorithm is not accepted'
  | 'no key of the identity provider matches the token'
  | 'the token is malformed'
  | 'the token claims are not accepted'
  | 'the token was refused';

/** The phrases a refusal detail may be itself (made by the authenticator, naming nothing of the configuration). */
const SAFE_AS_IS: ReadonlySet<string> = new Set(['no bearer token', 'the Authorization header is not a bearer token', 'unknown token']);

/** JOSE error codes, and what the caller is told of each. */
const BY_JOSE_CODE: Readonly<Record<string, PublicRefusal>> = {
  ERR_JWT_EXPIRED: 'the token has expired',
  ERR_JWS_SIGNATURE_VERIFICATION_FAILED: 'the token signature does not verify',
  ERR_JOSE_ALG_NOT_ALLOWED: 'the token algorithm is not accepted',
  ERR_JWKS_NO_MATCHING_KEY: 'no key of the identity provider matches the token',
  ERR_JWKS_MULTIPLE_MATCHING_KEYS: 'no key of the identity provider matches the token',
  ERR_JWS_INVALID: 'the token is malformed',
  ERR_JWT_INVALID: 'the token is malformed',
  ERR_JOSE_NOT_SUPPORTED: 'the token algorithm is not accepted',
};

/** Claims whose failed check JOSE names (`ERR_JWT_CLAIM_VALIDATION_FAILED`), and what the caller is told. */
const BY_CLAIM: Readonly<Record<string, PublicRefusal>> = {
  iss: 'the token is from another issuer',
  aud: 'the token is for another audience',
  nbf: 'the token is not valid yet',
  exp: 'the token has expired',
  iat: 'the token was issued in the future',
};

/** What the caller is told of a JOSE verification error (anything else: 'the token was refused'). */
export function publicJoseRefusal(error: unknown): PublicRefusal {
  const { code, claim } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; claim?: unknown };
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' && typeof claim === 'string') return BY_CLAIM[claim] ?? 'the token claims are not accepted';
  return (typeof code === 'string' ? BY_JOSE_CODE[code] : undefined) ?? 'the token was refused';
}

/** What the caller is told of a refusal the authenticator described in `detail`, when it gave no phrase itself. */
export function publicRefusalOf(detail: string): PublicRefusal {
  return SAFE_AS_IS.has(detail) ? (detail as PublicRefusal) : 'the token was refused';
}
