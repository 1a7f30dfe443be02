/**
 * Authentication and authorisation of the API: `Authorization: Bearer` with either an API token
 * (looked up by hash) or a Google-signed ID token (email mapped to a role). 401 says what is wrong
 * with the credential, 403 which role the call needs; neither ever echoes the credential.
 */
import type { MiddlewareHandler } from 'hono';
import type { Store } from '../../shared/adapters/firestore.ts';
import { ApiError } from '../http-errors.ts';
import { IdTokenRejected, type IdTokenVerifier } from './id-token.ts';
import { grants, type Principal, type Role } from './principal.ts';
import { lookupApiToken } from './tokens.ts';

/** What authentication needs. */
export interface AuthDeps {
  tokens: Pick<Store, 'get'>;
  /** Absent: ID tokens are refused (no audience configured). */
  idTokens?: IdTokenVerifier | undefined;
  /** Role of each ID-token email (lower case). */
  principals: Readonly<Record<string, Role>>;
}

/** Context variables set by {@link authenticate}. */
export interface AuthVariables {
  principal: Principal;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const challenge = { 'WWW-Authenticate': 'Bearer realm="fleetpilot"' };

/** Resolves the caller; throws 401 when there is no acceptable credential. */
export async function resolvePrincipal(deps: AuthDeps, authorization: string | undefined): Promise<Principal> {
  const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
  if (!match)
    throw unauthenticated(
      authorization
        ? 'Authorization must be "Bearer TOKEN"'
        : 'missing credentials: send Authorization: Bearer TOKEN (an API token or a Google ID token)',
    );
  const credential = match[1]!;
  if (JWT.test(credential)) {
    if (!deps.idTokens)
      throw unauthenticated('Google ID tokens are not accepted by this deployment (no audience configured); use an API token');
    let email: string;
    try {
      ({ email } = await deps.idTokens(credential));
    } catch (error) {
      if (error instanceof IdTokenRejected && error.unavailable)
        throw new ApiError(
          503,
          'unavailable',
          'ID tokens cannot be verified right now (Google certificates unavailable); retry, or use an API token',
          undefined,
          { 'Retry-After': '5' },
        );
      if (error instanceof IdTokenRejected) throw unauthenticated(error.message);
      throw error;
    }
    const role = deps.principals[email];
    if (!role) throw new ApiError(403, 'permission_denied', `${email} has no fleetpilot role; ask an admin to add it`);
    return { id: email, role, via: 'id-token' };
  }
  const grant = await lookupApiToken(deps.tokens, credential);
  if (!grant) throw unauthenticated('unknown or revoked API token');
  return { id: grant.principal, role: grant.role, via: 'api-token' };
}

/** Middleware: sets `principal` or answers 401/403. */
export function authenticate(deps: AuthDeps): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    c.set('principal', await resolvePrincipal(deps, c.req.header('authorization')));
    await next();
  };
}

/** Middleware: 403 unless the principal's role grants `required`. */
export function requireRole(required: Role): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    requireGrant(c.get('principal'), required, `${c.req.method} ${c.req.path}`);
    await next();
  };
}

/** Throws 403 unless the principal's role grants `required` for `what` (a route, or a part of a request). */
export function requireGrant(principal: Principal, required: Role, what: string): void {
  if (!grants(principal.role, required)) {
    throw new ApiError(403, 'permission_denied', `${what} needs the ${required} role; ${principal.id} is ${principal.role}`, {
      required,
      role: principal.role,
    });
  }
}

function unauthenticated(message: string): ApiError {
  return new ApiError(401, 'unauthenticated', message, undefined, challenge);
}
