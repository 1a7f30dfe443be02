/**
 * `Idempotency-Key` on mutating calls: the first request with a key runs; a retry with the same
 * key and body returns the first response (with `Idempotent-Replayed: true`) instead of acting
 * twice. Keys are scoped to the principal and kept 24 hours; the same key with a different body is
 * refused.
 *
 * Only outcomes the module means to replay are remembered: a success (200) or a guard's refusal
 * (409 `refused`). A request that did not act (bad input, missing role, a failed precondition, a
 * failure) frees its key so a corrected or later retry can act.
 *
 * Bookkeeping never hides what an action did. While a request runs, its key is `pending` under a
 * short lease and names the operation the request records (`operationId`). If the outcome cannot
 * be saved (or the key freed), the caller still gets the action's own answer; once the lease is
 * over, a retry finds that operation by the key and answers with it, or acts when it never
 * finished. A request whose instance died holds its key only for the lease, not for 24 hours.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { TTL_FIELD, type DocData, type Store } from '../../shared/adapters/firestore.ts';
import type { Clock } from '../../shared/core/clock.ts';
import type { Logger } from '../../shared/core/logger.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { getOperation } from '../../shared/state/operations-query.ts';
import type { OperationRecord } from '../../shared/state/operations.ts';
import { expiresAt, FIXED_LIFETIMES } from '../../shared/state/retention.ts';
import { ApiError, toErrorResponse } from '../http-errors.ts';
import { answer } from './answer.ts';
import type { AuthVariables } from './auth.ts';

/** The collection of idempotency records (TTL on `expireAt`). */
export const IDEMPOTENCY = 'idempotencyKeys';
const TTL_MS = FIXED_LIFETIMES.idempotencyKeyMs;
/** How long a `pending` key is held for the request running it; longer than any request runs (Cloud Run stops one at 60 s). */
export const PENDING_LEASE_MS = 2 * 60_000;
const KEY = /^[\x21-\x7e]{1,200}$/;

/** Context variables set by {@link idempotency}. */
export interface IdempotencyVariables extends AuthVariables {
  /** A stable id for the request when a key was sent (used as the manual fact's id). */
  requestId: string | undefined;
  /** The id the request's operation is recorded under when a key was sent, so that a retry can find it by the key. */
  operationId: string | undefined;
}

/** What the middleware needs. */
export interface IdempotencyDeps {
  store: Pick<Store, 'transaction' | 'get' | 'set' | 'delete'>;
  clock: Clock;
  log: Logger;
}

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Middleware for mutating routes. */
export function idempotency(deps: IdempotencyDeps): MiddlewareHandler<{ Variables: IdempotencyVariables }> {
  return async (c, next) => {
    const key = c.req.header('idempotency-key');
    if (key === undefined) {
      c.set('requestId', undefined);
      c.set('operationId', undefined);
      return next();
    }
    if (!KEY.test(key))
      throw new ApiError(400, 'invalid_argument', 'Idempotency-Key must be 1 to 200 printable ASCII characters without spaces', {
        field: 'Idempotency-Key',
      });
    const principal = c.get('principal').id;
    const id = sha(`${principal}\n${key}`);
    const fingerprint = sha(`${c.req.method} ${c.req.path}\n${await c.req.text()}`);
    const requestId = `idem-${id.slice(0, 32)}`;
    const log = deps.log.child({ component: 'api', requestId });
    const now = deps.clock.now();
    const at = (ms: number) => new Date(now.getTime() + ms);
    // Each attempt records its operation under its own id: a failed attempt's record is never overwritten.
    const operationId = `${requestId}-${randomBytes(4).toString('hex')}`;
    const pending = {
      state: 'pending',
      fingerprint,
      principal,
      operationId,
      createdAt: now.toISOString(),
      leaseUntil: at(PENDING_LEASE_MS).toISOString(),
      [TTL_FIELD]: expiresAt(now, TTL_MS),
    };

    // Firestore's TTL deletes expired records only eventually: a record older than 24 hours is free.
    const claim = await deps.store.transaction(async (tx) => {
      const current = await tx.get(IDEMPOTENCY, id);
      const live = current !== undefined && Date.parse(String(current.createdAt)) + TTL_MS > now.getTime();
      if (live && (current.state === 'done' || current.fingerprint !== fingerprint || !leaseOver(current, now))) return { held: current };
      tx.set(IDEMPOTENCY, id, pending);
      return { stale: live ? current : undefined };
    });
    if (claim.held) {
      const held = claim.held;
      if (held.fingerprint !== fingerprint)
        throw new ApiError(422, 'idempotency_key_reused', 'this Idempotency-Key was used for a different request; use a new key');
      if (held.state !== 'done')
        throw new ApiError(409, 'conflict', 'a request with this Idempotency-Key is still in progress; retry later', undefined, {
          'Retry-After': '2',
        });
      c.header('Idempotent-Replayed', 'true');
      return c.json(JSON.parse(String(held.body)) as unknown, held.status as ContentfulStatusCode);
    }
    c.set('requestId', requestId);

    // The request that held this key before ran out of its lease without a saved outcome. If the
    // operation it recorded finished with an outcome worth replaying, that is the answer.
    const earlier = typeof claim.stale?.operationId === 'string' ? await getOperation(deps.store, claim.stale.operationId) : undefined;
    if (earlier && replayable(earlier)) {
      c.header('Idempotent-Replayed', 'true');
      const res = respond(c, resultOf(earlier));
      await save(c, deps, log, id, res, { ...pending, operationId: earlier.id });
      return res;
    }

    c.set('operationId', operationId);
    try {
      await next();
    } catch (error) {
      // Hono hands a thrown Error to app.onError and answers with its response before control gets
      // back here, so failures are normally freed by the status check below. Only a thrown value
      // that is not an Error (or app.onError itself failing) arrives here: without this the key
      // would stay pending until its lease ends.
      await deps.store
        .delete(IDEMPOTENCY, id)
        .catch((cleanup: unknown) =>
          log.error('idempotency key not freed after a failure; it is free again when its lease ends', { error: cleanup }),
        );
      throw error;
    }
    await save(c, deps, log, id, c.res, pending);
  };
}

/** A pending record whose request had its time: it died, or its outcome could not be saved. */
function leaseOver(record: DocData, now: Date): boolean {
  if (record.state !== 'pending') return false;
  const until =
    typeof record.leaseUntil === 'string' ? Date.parse(record.leaseUntil) : Date.parse(String(record.createdAt)) + PENDING_LEASE_MS;
  return !(until > now.getTime());
}

/** Remembers `res` when it is an outcome to replay, frees the key otherwise; a failure to do either is logged, never answered. */
async function save(
  c: Context,
  deps: IdempotencyDeps,
  log: Logger,
  id: string,
  res: Response,
  pending: Record<string, unknown>,
): Promise<void> {
  const body = await res.clone().text();
  // 202: a request now waiting for approval; a retry must find that approval, not ask again.
  const remember = res.status === 200 || res.status === 202 || (res.status === 409 && codeOf(body) === 'refused');
  try {
    if (remember) await deps.store.set(IDEMPOTENCY, id, { ...pending, state: 'done', status: res.status, body });
    else await deps.store.delete(IDEMPOTENCY, id);
  } catch (error) {
    // The answer stands: it says what the action did. The key stays pending until its lease ends;
    // a retry then finds the operation by the key (or acts, when the request never recorded one).
    log.error('idempotency record not saved; the answer stands, and a retry after the lease finds the operation', {
      error,
      status: res.status,
      method: c.req.method,
      path: c.req.path,
    });
  }
}

function codeOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { code?: unknown } | null)?.code;
  } catch {
    return undefined;
  }
}

/** An operation whose outcome the module replays: a success, a no-op, or a guard's refusal (failures run again). */
function replayable(op: OperationRecord): boolean {
  return op.finishedAt !== undefined && (op.result === 'succeeded' || op.result === 'skipped' || op.result === 'refused');
}

/** The manual result an operation stands for (its reason is the summary; a refusal's reason is `guard: why`). */
function resultOf(op: OperationRecord): ManualResult {
  const summary = op.reason ?? `${op.kind} ${op.result ?? ''}`.trim();
  if (op.result !== 'refused') return { result: op.result === 'skipped' ? 'skipped' : 'succeeded', summary, plan: op.plan, operation: op };
  const split = summary.indexOf(': ');
  const refusal = split > 0 ? { guard: summary.slice(0, split), reason: summary.slice(split + 2) } : { guard: 'unknown', reason: summary };
  return { result: 'refused', summary, plan: op.plan, refusal, operation: op };
}

/** The response the route gives for `result` (a refusal is a 409 in the error shape). */
function respond(c: Context, result: ManualResult): Response {
  try {
    return answer(c, result);
  } catch (error) {
    const { status, body } = toErrorResponse(error);
    return c.json(body, status);
  }
}
