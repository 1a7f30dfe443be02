/**
 * Idempotency bookkeeping under faults (issue 13), through the API on the in-memory fleet: a failed
 * write of the idempotency record never hides what the action did (the caller gets its answer, a
 * retry finds the operation by key), a `pending` record left by a request that never finished
 * expires after a short lease instead of answering "still in progress" for 24 hours, and only
 * successes and guard refusals are replayed.
 */
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY, PENDING_LEASE_MS } from '../../services/api/idempotency.ts';
import type { ErrorBody } from '../../services/http-errors.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { OPERATIONS, type OperationRecord } from '../../shared/state/operations.ts';
import { apiTestApp, type ApiTestApp } from '../support/api-fakes.ts';
import { TOKYO } from '../support/memory-fleet.ts';

const REASON = 'tokyo maintenance window';
const drain = (t: ApiTestApp, key: string) =>
  t.call('POST', `/v1/regions/${TOKYO.region}/drain`, {
    token: t.tokens.operator,
    body: { reason: REASON },
    headers: { 'idempotency-key': key },
  });
const operations = (t: ApiTestApp, kind: string) =>
  [...t.store.docs.entries()]
    .filter(([k, d]) => k.startsWith(`${OPERATIONS}/`) && d.kind === kind)
    .map(([, d]) => d as unknown as OperationRecord);
const idempotencyRecords = (t: ApiTestApp) =>
  [...t.store.docs.entries()].filter(([k]) => k.startsWith(`${IDEMPOTENCY}/`)).map(([, d]) => d);

/** Makes the store refuse the next `count` writes (set or delete) to the idempotency collection. */
function failIdempotencyWrites(t: ApiTestApp, count: number) {
  let left = count;
  const set = t.store.set.bind(t.store);
  const remove = t.store.delete.bind(t.store);
  const failing =
    <A extends unknown[]>(write: (collection: string, ...rest: A) => Promise<void>) =>
    async (collection: string, ...rest: A) => {
      if (collection === IDEMPOTENCY && left > 0) {
        left--;
        throw Object.assign(new Error('firestore unavailable'), { code: 14 });
      }
      return write(collection, ...rest);
    };
  t.store.set = failing(set);
  t.store.delete = failing(remove);
}

describe('a failed bookkeeping write never hides the result', () => {
  it('the drain ran, the done record could not be saved: the caller gets the drain, and a retry after the lease finds the operation by key', async () => {
    const t = await apiTestApp();
    failIdempotencyWrites(t, 1);
    const first = await drain(t, 'drain-1');
    const answer = (await first.json()) as ManualResult;
    expect(first.status).toBe(200);
    expect(answer).toMatchObject({ result: 'succeeded', operation: { kind: 'manual-drain' } });
    expect(await t.drained()).toEqual([TOKYO.region]);
    expect(t.logLines.some((line) => line.includes('"severity":"ERROR"') && line.includes('idempotency record'))).toBe(true);

    // Within the lease the request may still be running elsewhere: the retry is asked to wait.
    const early = await drain(t, 'drain-1');
    expect([early.status, early.headers.get('retry-after')]).toEqual([409, '2']);

    t.clock.advance(PENDING_LEASE_MS + 1);
    const retry = await drain(t, 'drain-1');
    const replayed = (await retry.json()) as ManualResult;
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(replayed).toMatchObject({ result: 'succeeded', operation: { id: answer.operation!.id } });
    expect(operations(t, 'manual-drain')).toHaveLength(1);
    // Now remembered: the next retry is an ordinary replay.
    const again = await drain(t, 'drain-1');
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(operations(t, 'manual-drain')).toHaveLength(1);
  });

  it('a request that was refused before acting answers its own 400 even when its key cannot be freed', async () => {
    const t = await apiTestApp();
    failIdempotencyWrites(t, 1);
    const res = await t.call('POST', `/v1/regions/${TOKYO.region}/drain`, {
      token: t.tokens.operator,
      body: { reason: 'no' },
      headers: { 'idempotency-key': 'bad-1' },
    });
    expect([res.status, ((await res.json()) as ErrorBody).code]).toEqual([400, 'invalid_argument']);
    // The key stays pending until its lease ends; then the corrected request acts.
    t.clock.advance(PENDING_LEASE_MS + 1);
    const fixed = await t.call('POST', `/v1/regions/${TOKYO.region}/drain`, {
      token: t.tokens.operator,
      body: { reason: REASON },
      headers: { 'idempotency-key': 'bad-1' },
    });
    expect(fixed.status).toBe(422); // a different body under the same key is still refused
    expect(await t.drained()).toEqual([]);
  });
});

describe('stale pending records expire after a short lease', () => {
  it('a request that never finished (its instance died) holds its key only for the lease, then a retry acts', async () => {
    const t = await apiTestApp();
    const real = t.ops.manualDrain.bind(t.ops);
    let calls = 0;
    t.ops.manualDrain = (request) => (++calls === 1 ? new Promise<never>(() => undefined) : real(request));
    void drain(t, 'hung-1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(idempotencyRecords(t)).toMatchObject([{ state: 'pending' }]);
    const early = await drain(t, 'hung-1');
    expect(early.status).toBe(409);
    t.clock.advance(PENDING_LEASE_MS + 1);
    const retry = await drain(t, 'hung-1');
    expect([retry.status, retry.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(await t.drained()).toEqual([TOKYO.region]);
    expect(PENDING_LEASE_MS).toBeLessThanOrEqual(5 * 60_000);
  });
});

describe('only successes and guard refusals are replayed', () => {
  it('a failed_precondition (cluster still provisioning) frees its key: the retry onboards once the cluster runs', async () => {
    const t = await apiTestApp();
    const cluster = { name: 'tokyo-2', location: 'asia-northeast1-c' };
    await t.fleet.addCluster({ ...cluster, status: 'PROVISIONING', registered: true });
    const onboard = () =>
      t.call('POST', '/v1/clusters/onboard', { token: t.tokens.admin, body: cluster, headers: { 'idempotency-key': 'onboard-tokyo-2' } });
    const early = await onboard();
    expect([early.status, ((await early.json()) as ErrorBody).code]).toEqual([409, 'failed_precondition']);
    expect(idempotencyRecords(t)).toEqual([]);
    t.fleet.container.setStatus(cluster.location, cluster.name, 'RUNNING');
    const later = await onboard();
    expect([later.status, later.headers.get('idempotent-replayed')]).toEqual([200, null]);
    expect(((await later.json()) as ManualResult).result).toBe('succeeded');
  });

  it('a guard refusal is still stored and replayed', async () => {
    const t = await apiTestApp();
    await t.call('POST', `/v1/regions/asia-northeast2/drain`, { token: t.tokens.operator, body: { reason: REASON } });
    t.clock.advance(1_000);
    const first = await drain(t, 'refused-1');
    const second = await drain(t, 'refused-1');
    expect([first.status, second.status, second.headers.get('idempotent-replayed')]).toEqual([409, 409, 'true']);
    expect(((await second.json()) as ErrorBody).code).toBe('refused');
    expect(idempotencyRecords(t)).toMatchObject([{ state: 'done', status: 409 }]);
  });
});
