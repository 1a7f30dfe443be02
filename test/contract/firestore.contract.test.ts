/**
 * Firestore adapter against the real Firestore emulator: create-if-absent under concurrency,
 * transactions under contention, and TTL-stamped dedupe markers.
 */
import { randomBytes } from 'node:crypto';
import { Timestamp } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TTL_FIELD } from '../../shared/adapters/firestore.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { sandboxAdapters } from '../support/sandbox-clients.ts';

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
