/**
 * Idempotency bookkeeping (issue 13), through the API on the in-memory fleet: a failed
 * write of the idempotency record never hides what the action did (the caller gets its answer, a
 * retry finds the operation by key), a `pending` record left by a request that never finished
 * expires after a short lease instead of answering "still in progress" for 24 hours, and only
 * successes and guard refusals are replayed.
 */
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY } from '../../services/api/idempotency.ts';
import type { ErrorBody } from '../../services/http-errors.ts';
import type { ManualResult } from '../../shared/core/manual-result.ts';
import { apiTestApp, type ApiTestApp } from '../support/api-fakes.ts';
import { TOKYO } from '../support/memory-fleet.ts';

const REASON = 'tokyo maintenance window';
const drain = (t: ApiTestApp, key: string) => t.call('POST', `/v1/regions/${TOKYO.region}/drain`, { token: t.tokens.operator, body: { reason: REASON }, headers: { 'idempotency-key': key } });
const idempotencyRecords = (t: ApiTestApp) => [...t.store.docs.entries()].filter(([k]) => k.startsWith(`${IDEMPOTENCY}/`)).map(([, d]) => d);

describe('only successes and guard refusals are replayed', () => {
  it('a failed_precondition (cluster still provisioning) frees its key: the retry onboards once the cluster runs', async () => {
    const t = await apiTestApp();
    const cluster = { name: 'tokyo-2', location: 'asia-northeast1-c' };
    await t.fleet.addCluster({ ...cluster, status: 'PROVISIONING', registered: true });
    const onboard = () => t.call('POST', '/v1/clusters/onboard', { token: t.tokens.admin, body: cluster, headers: { 'idempotency-key': 'onboard-tokyo-2' } });
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
