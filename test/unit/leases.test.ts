/** Leases: one holder at a time, waiters retry until the deadline, an expired lease is taken over, release frees it. */
import { Timestamp } from '@google-cloud/firestore';
import { describe, expect, it } from 'vitest';
import { TransientError } from '../../shared/core/errors.ts';
import { LEASES, withLease } from '../../shared/state/leases.ts';
import { memoryStore } from '../support/memory-store.ts';

const clockAt = (ms: number) => ({ now: () => new Date(ms) });

describe('withLease', () => {
  it('lets exactly one of many concurrent callers work; the others get a transient error', async () => {
    const store = memoryStore();
    let inside = 0;
    let most = 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        withLease({ store, clock: clockAt(1_000) }, 'routes:x', `h${i}`, 60_000, async () => {
          most = Math.max(most, ++inside);
          await new Promise((resolve) => setImmediate(resolve));
          inside--;
          return i;
        }),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.filter((o) => o.status === 'rejected').every((o) => o.reason instanceof TransientError)).toBe(true);
    expect(most).toBe(1);
    expect(store.docs.has(`${LEASES}/routes:x`)).toBe(false);
  });

  it('takes over an expired lease and frees it afterwards', async () => {
    const store = memoryStore();
    await store.set(LEASES, 'cluster:a', { holder: 'crashed', expireAt: Timestamp.fromMillis(500) });
    expect(
      await withLease(
        { store, clock: clockAt(1_000) },
        'cluster:a',
        'me',
        60_000,
        async () => (await store.get(LEASES, 'cluster:a'))?.holder,
      ),
    ).toBe('me');
    expect(store.docs.has(`${LEASES}/cluster:a`)).toBe(false);
  });

  it('never takes a live lease of another holder, and leaves it in place', async () => {
    const store = memoryStore();
    await store.set(LEASES, 'cluster:b', { holder: 'other', expireAt: Timestamp.fromMillis(90_000) });
    await expect(
      withLease({ store, clock: clockAt(1_000), sleep: async () => undefined }, 'cluster:b', 'me', 60_000, async () => 'worked'),
    ).rejects.toBeInstanceOf(TransientError);
    expect((await store.get(LEASES, 'cluster:b'))?.holder).toBe('other');
  });
});
