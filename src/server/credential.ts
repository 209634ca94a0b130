import type { FastifyRequest } from 'fastify';
import type { Principal } from './auth.js';

/** The principal each request's credential gave, before it was bound to its tenant (see `boundToTenant`). */
const credentials = new WeakMap<FastifyRequest, Principal>();

/** Keeps what the request's credential (a token, a JWT) said, as it said it. */
export function rememberCredential(request: FastifyRequest, principal: Principal): void {
  credentials.set(request, principal);
}

/**
 * What the request's credential said, its scopes as listed in the token (a scope naming no entity, or one
 * outside its tenant, included); undefined for a request that needed no token.
 */
export function credentialOf(request: FastifyRequest): Principal | undefined {
  return credentials.get(request);
}
