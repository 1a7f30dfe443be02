/**
 * Firestore adapter against the real Firestore emulator: create-if-absent under concurrency,
 * transactions under contention, and TTL-stamped dedupe markers; and every collection's real writers
 * stamping `expireAt` (a Timestamp, from the injected clock) as shared/state/retention.ts says.
 */
import { randomBytes } from 'node:crypto';
import { Timestamp } from '@google-cloud/firestore';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IDEMPOTENCY, idempotency, type IdempotencyVariables } from '../../services/api/idempotency.ts';
import { API_TOKENS, createApiToken, hashToken, revokeApiToken } from '../../services/api/tokens.ts';
import { REPLAY_WINDOW_MS } from '../../services/webhooks/deps.ts';
import { MARKERS, TTL_FIELD } from '../../shared/adapters/firestore.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { runOperation, type RunnerContext } from '../../shared/core/run-operation.ts';
import { CLUSTERS, clusterRecordId, readClusterRecord, writeClusterRecord } from '../../shared/state/cluster-records.ts';
import { LEASES, withLease } from '../../shared/state/leases.ts';
import { getOperation } from '../../shared/state/operations-query.ts';
import { OPERATIONS } from '../../shared/state/operations.ts';
import { DEFAULT_RETENTION, FIXED_LIFETIMES } from '../../shared/state/retention.ts';
import { sandboxAdapters } from '../support/sandbox-clients.ts';
import { clockSleep, sequentialIds, testClock } from '../support/test-clock.ts';

describe('Firestore adapter (emulator)', () => {
  let adapters: GcpAdapters;
  const run = randomBytes(4).toString('hex');
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());

  it('lets exactly one of many concurrent writers create a document', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => adapters.store.createIfAbsent(`contract-${run}`, 'regions/asia-northeast2', { writer: i })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results.indexOf(true);
    expect(await adapters.store.get(`contract-${run}`, 'regions/asia-northeast2')).toEqual({ writer: winner });
  });

  it('serialises read-modify-write transactions so no increment is lost', async () => {
    await adapters.store.set(`contract-${run}`, 'counter', { value: 0 });
    await Promise.all(
      Array.from({ length: 10 }, () =>
        adapters.store.transaction(async (tx) => {
          const current = (await tx.get(`contract-${run}`, 'counter'))?.value as number;
          tx.set(`contract-${run}`, 'counter', { value: current + 1 });
        }),
      ),
    );
    expect(await adapters.store.get(`contract-${run}`, 'counter')).toEqual({ value: 10 });
  });

  it('rolls a transaction back when its function throws', async () => {
    await adapters.store.set(`contract-${run}`, 'guarded', { value: 'before' });
    await expect(
      adapters.store.transaction(async (tx) => {
        tx.set(`contract-${run}`, 'guarded', { value: 'half-applied' });
        throw new Error('guard refused');
      }),
    ).rejects.toThrow('guard refused');
    expect(await adapters.store.get(`contract-${run}`, 'guarded')).toEqual({ value: 'before' });
  });

  it('records an event once, with a TTL timestamp for expiry', async () => {
    const key = `audit/operation-${run}/last`;
    expect(await adapters.store.markOnce(key, 7 * 24 * 3600_000, { messageId: 'm-1' })).toBe(true);
    expect(await adapters.store.markOnce(key, 7 * 24 * 3600_000, { messageId: 'm-2' })).toBe(false);
    const marker = await adapters.store.get('processedEvents', key);
    expect(marker?.messageId).toBe('m-1');
    const expireAt = marker?.[TTL_FIELD];
    expect(expireAt).toBeInstanceOf(Timestamp);
    const days = ((expireAt as Timestamp).toMillis() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });
});

describe('retention: real writes carry expireAt (emulator)', () => {
  let adapters: GcpAdapters;
  const run = randomBytes(4).toString('hex');
  // Whole seconds, so the stored Timestamps compare exactly.
  const clock = testClock(new Date(Math.floor(Date.now() / 1000) * 1000));
  const HOUR = 3600_000;
  const DAY = 24 * HOUR;
  beforeAll(async () => void (adapters = await sandboxAdapters()));
  afterAll(async () => adapters.close());

  /** The stored expiry, in milliseconds after the test clock's now; undefined when there is none. */
  const expiry = (doc: Record<string, unknown> | undefined) => {
    const at = doc?.[TTL_FIELD];
    if (at === undefined) return undefined;
    expect(at).toBeInstanceOf(Timestamp);
    return (at as Timestamp).toMillis() - clock.now().getTime();
  };

  it('operation records: 30 days, a quiet tick 1 hour; readers get them without the expiry', async () => {
    const ctx: RunnerContext = {
      store: adapters.store,
      clock,
      ids: sequentialIds(`retention-${run}`),
      retention: DEFAULT_RETENTION,
      sleep: clockSleep(clock),
      log: silentLogger(),
      instanceId: `contract-${run}`,
      results: async () => undefined,
    };
    const spec = (announce: boolean) => ({
      kind: 'tick',
      delivery: 'tick' as const,
      trigger: { source: 'contract' },
      principal: 'scheduler',
      subject: 'fleet',
      announce: () => announce,
    });
    const quiet = await runOperation(ctx, spec(false), async () => ({ result: 'succeeded', reason: 'nothing to change' }));
    const kept = await runOperation(ctx, spec(true), async () => ({ result: 'succeeded', reason: 'rendered routes' }));
    expect(expiry(await adapters.store.get(OPERATIONS, quiet.record.id))).toBe(HOUR);
    expect(expiry(await adapters.store.get(OPERATIONS, kept.record.id))).toBe(30 * DAY);
    expect(await getOperation(adapters.store, kept.record.id)).toEqual(kept.record);
  });

  it('webhook delivery markers: 7 days', async () => {
    const key = `webhook:github:contract-${run}`;
    const before = Date.now();
    expect(await adapters.store.markOnce(key, REPLAY_WINDOW_MS, { provider: 'github' })).toBe(true);
    const at = (await adapters.store.get(MARKERS, key))?.[TTL_FIELD];
    expect(at).toBeInstanceOf(Timestamp);
    // The adapter stamps markers from its own (system) clock.
    expect((at as Timestamp).toMillis()).toBeGreaterThanOrEqual(before + FIXED_LIFETIMES.webhookDeliveryMs);
    expect((at as Timestamp).toMillis()).toBeLessThanOrEqual(Date.now() + FIXED_LIFETIMES.webhookDeliveryMs);
  });

  it('idempotency keys: 24 hours', async () => {
    const principal = `token:contract-${run}`;
    const app = new Hono<{ Variables: IdempotencyVariables }>();
    app.use('*', async (c, next) => {
      c.set('principal', { id: principal, role: 'operator', via: 'api-token' });
      await next();
    });
    app.post('/act', idempotency({ store: adapters.store, clock, log: silentLogger() }), (c) => c.json({ ok: true }, 200));
    const res = await app.request('/act', { method: 'POST', headers: { 'idempotency-key': `k-${run}` }, body: '{}' });
    expect(res.status).toBe(200);
    const records = (await adapters.store.list(IDEMPOTENCY)).filter((d) => d.principal === principal);
    expect(records.map((d) => [d.state, expiry(d)])).toEqual([['done', 24 * HOUR]]);
  });

  it('leases: their lease time', async () => {
    const held = await withLease({ store: adapters.store, clock }, `routes:contract-${run}`, 'me', 60_000, () =>
      adapters.store.get(LEASES, `routes:contract-${run}`),
    );
    expect(expiry(held)).toBe(60_000);
  });

  it('cluster records: a removed cluster 30 days after its removal, an onboarded one never', async () => {
    const ref = (name: string) => ({ projectId: 'fleetpilot-sandbox', location: 'asia-northeast1-b', name: `${name}-${run}` });
    const base = { region: 'asia-northeast1', updatedAt: clock.now().toISOString() };
    await writeClusterRecord(adapters.store, { ...ref('gone'), ...base, phase: 'removed' });
    await writeClusterRecord(adapters.store, { ...ref('kept'), ...base, phase: 'onboarded' });
    expect(expiry(await adapters.store.get(CLUSTERS, clusterRecordId(ref('gone'))))).toBe(30 * DAY);
    expect(await adapters.store.get(CLUSTERS, clusterRecordId(ref('kept')))).not.toHaveProperty(TTL_FIELD);
    expect(await readClusterRecord(adapters.store, ref('gone'))).toEqual({ ...ref('gone'), ...base, phase: 'removed' });
  });

  it('API tokens: none while valid, 30 days once revoked', async () => {
    const { token } = await createApiToken(adapters.store, clock, { principal: `token:contract-${run}`, role: 'viewer' });
    expect(await adapters.store.get(API_TOKENS, hashToken(token))).not.toHaveProperty(TTL_FIELD);
    expect(await revokeApiToken(adapters.store, clock, token)).toBe(true);
    expect(expiry(await adapters.store.get(API_TOKENS, hashToken(token)))).toBe(30 * DAY);
  });
});
