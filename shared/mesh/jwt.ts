/**
 * Reading service-account tokens without verifying them: only to decide whether a token already
 * stored in a remote secret is still worth reusing. The API server remains the one that verifies.
 */

/** The claims of a Kubernetes service-account token that fleetpilot looks at. */
export interface ServiceAccountClaims {
  exp?: number;
  iat?: number;
  sub?: string;
  'kubernetes.io'?: { namespace?: string; serviceaccount?: { name?: string; uid?: string } };
}

/** The decoded payload of a JWT, or null when it is not a JWT with a JSON object payload. */
export function jwtClaims(token: string): ServiceAccountClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload : null;
  } catch {
    return null;
  }
}

/** When a JWT expires (its `exp` claim), or null when it has none or is malformed. */
export function jwtExpiry(token: string): Date | null {
  const exp = jwtClaims(token)?.exp;
  return typeof exp === 'number' && Number.isFinite(exp) ? new Date(exp * 1000) : null;
}

/** What a stored token must satisfy to be reused. */
export interface TokenReuseCriteria {
  now: Date;
  /** The lifetime fleetpilot requests; used when the token carries no `iat`. */
  ttlSeconds: number;
  /** The UID of the service account the token must belong to (a recreated account voids old tokens). */
  serviceAccountUid: string;
}

/**
 * True when the token belongs to the expected service account and more than half of its lifetime
 * (from `iat` to `exp`, else the requested TTL) remains.
 */
export function isTokenReusable(token: string, criteria: TokenReuseCriteria): boolean {
  const claims = jwtClaims(token);
  const exp = claims?.exp;
  if (typeof exp !== 'number') return false;
  if (claims?.['kubernetes.io']?.serviceaccount?.uid !== criteria.serviceAccountUid) return false;
  const lifetime = typeof claims.iat === 'number' && claims.iat < exp ? exp - claims.iat : criteria.ttlSeconds;
  const remaining = exp - criteria.now.getTime() / 1000;
  return remaining > lifetime / 2;
}
