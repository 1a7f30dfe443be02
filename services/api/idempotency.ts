/**
 * `Idempotency-Key` on mutating calls: the first request with a key runs; a retry with the same
 * key and body returns the first response (with `Idempotent-Replayed: true`) instead of acting
 * twice. Keys are scoped to the principal and kept 24 hours. Only outcomes the module means to
 * replay are remembered: a success (200) or a guard's refusal (409 `refused`). A first attempt that
 * did not act (any other 4xx, such as a failed precondition, or a 5xx) frees its key so a retry can
 * act; the same key with a different body is refused.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import { ApiError } from '../http-errors.ts';
import type { AuthVariables } from './auth.ts';

/** The collection of idempotency records (TTL on `expireAt`). */
export const IDEMPOTENCY = 'idempotencyKeys';
const TTL_MS = 24 * 3600 * 1000;
const KEY = /^[\x21-\x7e]{1,200}$/;

/** Context variables set by {@link idempotency}. */
export interface IdempotencyVariables extends AuthVariables {
  /** A stable id for the request when a key was sent (used as the manual fact's id). */
  requestId: string | undefined;
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Middleware for mutating routes. */
export function idempotency(deps: { store: Pick<Store, 'transaction' | 'set' | 'delete'>; clock: Clock }): MiddlewareHandler<{ Variables: IdempotencyVariables }> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) {
      c.set('requestId', undefined);
      return next();
    }
    if (!KEY.test(key)) throw new ApiError(400, 'invalid_argument', 'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces', { field: 'Idempotency-Key' });
    const principal = c.get('principal').id;
    const id = sha(`${principal}\n${key}`);
    const fingerprint = sha(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const now = deps.clock.now();
    // Firestore's TTL deletes expired records only eventually: a record older than 24 hours is free.
    const existing = await deps.store.transaction(async (tx) => {
      const current = await tx.get(IDEMPOTENCY, id);
      if (current && Date.parse(String(current.createdAt)) + TTL_MS > now.getTime()) return current;
      tx.set(IDEMPOTENCY, id, { state: 'pending', fingerprint, principal, createdAt: now.toISOString(), expireAt: new Date(now.getTime() + TTL_MS) });
      return undefined;
    });
    if (existing) {
      if (existing.fingerprint !== fingerprint) throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request; use a new key');
      if (existing.state !== 'done') throw new ApiError(409, 'conflict', 'a request with this Idempotency-Key is still in progress; retry later', undefined, { 'Retry-After': '2' });
      c.header('Idempotent-Replayed', 'true');
      return c.json(JSON.parse(String(existing.body)) as unknown, existing.status as ContentfulStatusCode);
    }
    c.set('requestId', `idem-${id.slice(0, 32)}`);
    try {
      await next();
    } catch (error) {
      // Hono hands a thrown Error to app.onError and answers with its response before control gets
      // back here, so failures are normally freed by the status check below. Only a thrown value
      // that is not an Error (or app.onError itself failing) arrives here: without this the key
      // would stay pending for 24 hours, and every retry would be told "still in progress".
      await deps.store.delete(IDEMPOTENCY, id);
      throw error;
    }
    // Only outcomes are remembered: a success or a guard's refusal. A request that was never acted
    // on (bad input, missing role, over the limit, a failed precondition, a failure) frees its key
    // for a corrected or later retry.
    const body = await c.res.clone().text();
    if (c.res.status !== 200 && !(c.res.status === 409 && codeOf(body) === 'refused')) {
      await deps.store.delete(IDEMPOTENCY, id);
      return;
    }
    await deps.store.set(IDEMPOTENCY, id, { state: 'done', fingerprint, principal, status: c.res.status, body, createdAt: now.toISOString(), expireAt: new Date(now.getTime() + TTL_MS) });
  };
}

function codeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { code?: unknown } | null)?.code;
  } catch {
    return undefined;
  }
}
