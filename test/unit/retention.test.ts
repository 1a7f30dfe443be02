/**
 * Retention (shared/state/retention.ts): every writer stamps `expireAt` from the injected clock as
 * the retention table says, and only where it says so. Each test writes through the real writer on
 * the in-memory store and reads back what is stored.
 */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { IDEMPOTENCY } from '../../services/api/idempotency.ts';
import { API_TOKENS, createApiToken, hashToken, lookupApiToken, revokeApiToken } from '../../services/api/tokens.ts';
import { SLACK_REPLAY_WINDOW_MS } from '../../services/slack/deps.ts';
import { REPLAY_WINDOW_MS } from '../../services/webhooks/deps.ts';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import { parseEnv } from '../../shared/config/env.ts';
import { runOperation } from '../../shared/core/run-operation.ts';
import { handleClusterAuditEntry } from '../../shared/onboarding/lifecycle.ts';
import {
  CLUSTERS,
  clusterRecordId,
  listClusterRecords,
  readClusterRecord,
  writeClusterRecord,
} from '../../shared/state/cluster-records.ts';
import { LEASES, withLease } from '../../shared/state/leases.ts';
import { getOperation } from '../../shared/state/operations-query.ts';
import { OPERATIONS } from '../../shared/state/operations.ts';
import {
  DEFAULT_RETENTION,
  FIXED_LIFETIMES,
  isExpired,
  RETENTION_TABLE,
  retentionFromEnv,
  TTL_COLLECTIONS,
} from '../../shared/state/retention.ts';
import { auditEntry } from '../support/events.ts';
import { apiTestApp } from '../support/api-fakes.ts';
import { demoFleet, memoryFleet, TOKYO, type MemoryFleet } from '../support/memory-fleet.ts';
import { memoryStore } from '../support/memory-store.ts';
import { testClock } from '../support/test-clock.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The stored expiry of a document, in milliseconds after `from`; undefined when it has none. */
function expiryAfter(doc: Record<string, unknown> | undefined, from: Date): number | undefined {
  const at = doc?.[TTL_FIELD];
  if (at === undefined) return undefined;
  expect(at).toBeInstanceOf(Timestamp);
  return (at as Timestamp).toMillis() - from.getTime();
}

const tickSpec = (announce: boolean) => ({
  kind: 'tick',
  delivery: 'tick' as const,
  trigger: { source: 'scheduler' },
  principal: 'scheduler',
  subject: 'fleet',
  announce: () => announce,
});
const stored = (fleet: MemoryFleet, id: string) => fleet.store.get(OPERATIONS, id);
/** The last audit-log entry of Tokyo's deletion. */
const deletion = (fleet: MemoryFleet) =>
  auditEntry({
    action: 'delete',
    phase: 'last',
    project: fleet.project,
    location: TOKYO.location,
    cluster: TOKYO.name,
    operationId: 'operation-delete-tokyo',
    at: fleet.clock.now(),
  });

describe('the retention table', () => {
  it('names each collection once, and the TTL collections are those with expireAt', () => {
    const names = RETENTION_TABLE.map((c) => c.collection);
    expect(new Set(names).size).toBe(names.length);
    expect(TTL_COLLECTIONS).toEqual(RETENTION_TABLE.filter((c) => c.ttlField === 'expireAt').map((c) => c.collection));
    for (const c of RETENTION_TABLE) expect(c.lifetime.length, c.collection).toBeGreaterThan(0);
  });

  it('holds the lifetimes the writers use', () => {
    expect(DEFAULT_RETENTION).toEqual({ operationsMs: 30 * DAY, quietOperationsMs: HOUR });
    expect(REPLAY_WINDOW_MS).toBe(FIXED_LIFETIMES.webhookDeliveryMs);
    expect(SLACK_REPLAY_WINDOW_MS).toBe(FIXED_LIFETIMES.slackRequestMs);
    // At least the providers' redelivery windows: GitHub redelivers for 3 days, Slack signs for 5 minutes.
    expect(FIXED_LIFETIMES.webhookDeliveryMs).toBeGreaterThanOrEqual(3 * DAY);
    expect(FIXED_LIFETIMES.slackRequestMs).toBeGreaterThanOrEqual(5 * MINUTE);
  });

  it('audit-log entries are marked for 7 days', async () => {
    const fleet = await demoFleet();
    const marked: number[] = [];
    const store = {
      ...fleet.store,
      markOnce: (key: string, ttlMs: number, data?: Record<string, unknown>) => {
        marked.push(ttlMs);
        return fleet.store.markOnce(key, ttlMs, data);
      },
    };
    fleet.container.remove(TOKYO.location, TOKYO.name);
    await handleClusterAuditEntry({ ...fleet.ctx, store }, deletion(fleet), 'msg-1');
    expect(marked).toEqual([FIXED_LIFETIMES.auditEntryMs]);
  });

  it('is configured by the environment: defaults, given values, and refused ones', () => {
    const base = { FLEETPILOT_PROJECT_ID: 'fleet-demo' };
    const defaults = parseEnv(base);
    expect(defaults.ok && retentionFromEnv(defaults.env)).toEqual(DEFAULT_RETENTION);
    const given = parseEnv({ ...base, FLEETPILOT_OPERATIONS_RETENTION_DAYS: '90', FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES: '5' });
    expect(given.ok && retentionFromEnv(given.env)).toEqual({ operationsMs: 90 * DAY, quietOperationsMs: 5 * MINUTE });
    const refused = parseEnv({ ...base, FLEETPILOT_OPERATIONS_RETENTION_DAYS: '0', FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES: 'soon' });
    expect(refused.ok ? [] : refused.problems.map((p) => p.split(' ')[0])).toEqual([
      'FLEETPILOT_OPERATIONS_RETENTION_DAYS',
      'FLEETPILOT_QUIET_OPERATIONS_RETENTION_MINUTES',
    ]);
  });

  it('says when a document is expired', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(isExpired({}, now)).toBe(false);
    expect(isExpired({ expireAt: Timestamp.fromMillis(now.getTime() + 1) }, now)).toBe(false);
    expect(isExpired({ expireAt: Timestamp.fromMillis(now.getTime()) }, now)).toBe(true);
    expect(isExpired({ expireAt: new Date(now.getTime() - 1) }, now)).toBe(true);
  });
});

describe('operation records', () => {
  it('a run is kept 30 days from its start and from its finish', async () => {
    const fleet = memoryFleet();
    let whileRunning: number | undefined;
    const ran = await runOperation(fleet.ctx, { ...tickSpec(true), delivery: 'pubsub' }, async ({ op }) => {
      whileRunning = expiryAfter(await stored(fleet, op.id), fleet.clock.now());
      fleet.clock.advance(5_000);
      return { result: 'succeeded', reason: 'changed something' };
    });
    expect(whileRunning).toBe(30 * DAY);
    expect(expiryAfter(await stored(fleet, ran.record.id), fleet.clock.now())).toBe(30 * DAY);
  });

  it('a tick that changed nothing is kept an hour; one that changed something or failed, 30 days', async () => {
    const fleet = memoryFleet();
    const quiet = await runOperation(fleet.ctx, tickSpec(false), async () => ({ result: 'succeeded', reason: 'nothing to change' }));
    const busy = await runOperation(fleet.ctx, tickSpec(true), async () => ({ result: 'succeeded', reason: 'rendered routes' }));
    expect(expiryAfter(await stored(fleet, quiet.record.id), fleet.clock.now())).toBe(HOUR);
    expect(expiryAfter(await stored(fleet, busy.record.id), fleet.clock.now())).toBe(30 * DAY);
    // The latest quiet tick is still there for the API to show, without its expiry.
    expect(await getOperation(fleet.store, quiet.record.id)).toEqual(quiet.record);
    expect(fleet.published.map((r) => r.id)).toEqual([busy.record.id]);
  });

  it('follows the configured policy', async () => {
    const fleet = memoryFleet();
    const ctx = { ...fleet.ctx, retention: { operationsMs: 7 * DAY, quietOperationsMs: 10 * MINUTE } };
    const quiet = await runOperation(ctx, tickSpec(false), async () => ({ result: 'succeeded' }));
    const kept = await runOperation(ctx, tickSpec(true), async () => ({ result: 'succeeded' }));
    expect(expiryAfter(await stored(fleet, quiet.record.id), fleet.clock.now())).toBe(10 * MINUTE);
    expect(expiryAfter(await stored(fleet, kept.record.id), fleet.clock.now())).toBe(7 * DAY);
  });
});

describe('cluster records', () => {
  it('a deleted cluster is recorded removed and expires 30 days after; the others never expire', async () => {
    const fleet = await demoFleet();
    fleet.container.remove(TOKYO.location, TOKYO.name);
    await handleClusterAuditEntry(fleet.ctx, deletion(fleet), 'msg-1');
    const docs = [...fleet.store.docs.entries()].filter(([k]) => k.startsWith(`${CLUSTERS}/`));
    const byName = new Map(docs.map(([, d]) => [String(d.name), d]));
    expect(byName.get(TOKYO.name)?.phase).toBe('removed');
    expect(expiryAfter(byName.get(TOKYO.name), fleet.clock.now())).toBe(30 * DAY);
    for (const [name, doc] of byName) if (name !== TOKYO.name) expect(doc, name).not.toHaveProperty(TTL_FIELD);
    // Readers see records as flows know them, without the expiry.
    expect(fleet.clusterRecord(TOKYO.name)).not.toHaveProperty(TTL_FIELD);
    expect((await listClusterRecords(fleet.store)).every((r) => !(TTL_FIELD in r))).toBe(true);
  });

  it('a removed cluster that comes back loses its expiry', async () => {
    const store = memoryStore();
    const ref = { projectId: 'p', location: 'asia-northeast1-b', name: 'again' };
    const base = { ...ref, region: 'asia-northeast1', updatedAt: '2026-01-01T00:00:00.000Z' };
    await writeClusterRecord(store, { ...base, phase: 'removed' });
    expect(expiryAfter(await store.get(CLUSTERS, clusterRecordId(ref)), new Date(base.updatedAt))).toBe(30 * DAY);
    const removed = await readClusterRecord(store, ref);
    await writeClusterRecord(store, { ...removed!, phase: 'onboarded', updatedAt: '2026-01-02T00:00:00.000Z' });
    expect(await store.get(CLUSTERS, clusterRecordId(ref))).not.toHaveProperty(TTL_FIELD);
  });
});

describe('leases, idempotency keys and API tokens', () => {
  it('a held lease expires after its lease time', async () => {
    const store = memoryStore();
    const clock = testClock();
    const seen = await withLease({ store, clock }, 'routes', 'me', 120_000, () => store.get(LEASES, 'routes'));
    expect(expiryAfter(seen, clock.now())).toBe(120_000);
  });

  it('an idempotency key expires after 24 hours', async () => {
    const t = await apiTestApp();
    const res = await t.call('POST', '/v1/regions/asia-northeast1/drain', {
      token: t.tokens.operator,
      body: { reason: 'bad deploy in tokyo', dryRun: true },
      headers: { 'idempotency-key': 'retention-1' },
    });
    expect(res.status).toBe(200);
    const keys = [...t.store.docs.entries()].filter(([k]) => k.startsWith(`${IDEMPOTENCY}/`));
    expect(keys).toHaveLength(1);
    expect(expiryAfter(keys[0]![1], t.clock.now())).toBe(24 * HOUR);
  });

  it('a token is kept until revoked; a revoked one expires 30 days after its revocation', async () => {
    const store = memoryStore();
    const clock = testClock();
    const { token } = await createApiToken(store, clock, { principal: 'token:ops', role: 'operator' });
    expect(await store.get(API_TOKENS, hashToken(token))).not.toHaveProperty(TTL_FIELD);
    clock.advance(DAY);
    expect(await revokeApiToken(store, clock, token)).toBe(true);
    const revokedAt = clock.now();
    expect(expiryAfter(await store.get(API_TOKENS, hashToken(token)), revokedAt)).toBe(30 * DAY);
    // Revoking again does not push the expiry out.
    clock.advance(DAY);
    await revokeApiToken(store, clock, token);
    expect(expiryAfter(await store.get(API_TOKENS, hashToken(token)), revokedAt)).toBe(30 * DAY);
    expect(await lookupApiToken(store, token)).toBeUndefined();
  });
});
