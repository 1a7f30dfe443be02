/**
 * API tokens: random bearer secrets shown once, stored only as their SHA-256 hash (the document
 * id), each bound to a principal and a role. A stolen database copy yields no usable token. A token
 * is kept until revoked; a revoked token's record expires {@link FIXED_LIFETIMES.revokedTokenMs}
 * after its revocation (shared/state/retention.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { TTL_FIELD, type Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import { expiresAt, FIXED_LIFETIMES } from '../../shared/state/retention.ts';
import { parseRole, type Role } from './principal.ts';

/** The collection of token hashes. */
export const API_TOKENS = 'apiTokens';

/** Tokens start with this prefix, so secret scanners and people recognise them. */
export const TOKEN_PREFIX = 'fpt_';

/** What a token grants. */
export interface TokenGrant {
  principal: string;
  role: Role;
}

/** The SHA-256 hash (hex) a token is stored under. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token for `grant`; returns the token, which is never stored or shown again. */
export async function createApiToken(
  store: Store,
  clock: Clock,
  grant: TokenGrant & { label?: string },
): Promise<{ token: string; id: string }> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const id = hashToken(token);
  await store.set(API_TOKENS, id, {
    principal: grant.principal,
    role: grant.role,
    label: grant.label ?? null,
    createdAt: clock.now().toISOString(),
    revoked: false,
  });
  return { token, id: id.slice(0, 12) };
}

/** What `token` grants; undefined when it is unknown, revoked or malformed. */
export async function lookupApiToken(store: Pick<Store, 'get'>, token: string): Promise<TokenGrant | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const doc = await store.get(API_TOKENS, hashToken(token));
  if (!doc || doc.revoked === true || typeof doc.principal !== 'string' || typeof doc.role !== 'string') return undefined;
  const role = parseRole(doc.role);
  return role ? { principal: doc.principal, role } : undefined;
}

/** Revokes a token (by the token itself), its record then expiring; false when it was not known. */
export async function revokeApiToken(store: Store, clock: Clock, token: string): Promise<boolean> {
  const id = hashToken(token);
  const doc = await store.get(API_TOKENS, id);
  if (!doc) return false;
  const now = clock.now();
  const revokedAt = doc.revoked === true && typeof doc.revokedAt === 'string' ? doc.revokedAt : now.toISOString();
  await store.set(API_TOKENS, id, {
    ...doc,
    revoked: true,
    revokedAt,
    [TTL_FIELD]: expiresAt(new Date(revokedAt), FIXED_LIFETIMES.revokedTokenMs),
  });
  return true;
}
