/**
 * Short leases in Firestore so that two instances never work on the same subject at once: the
 * second one gets a transient error and Pub/Sub redelivers its message after the first finishes.
 * (The route lease coalesces instead: see shared/routing/render-lease.ts.)
 */
import { Timestamp } from '@google-cloud/firestore';
import type { Store } from '../adapters/firestore.ts';
import { realSleep, type Clock, type Sleep } from '../core/clock.ts';
import { TransientError } from '../core/errors.ts';

/** The collection of leases. */
export const LEASES = 'leases';

/** Runs `work` holding the lease `key`; throws TransientError if another holder has it. */
export async function withLease<T>(
  deps: { store: Store; clock: Clock; sleep?: Sleep },
  key: string,
  holder: string,
  ttlMs: number,
  work: () => Promise<T>,
  waitMs = 0,
): Promise<T> {
  const deadline = deps.clock.now().getTime() + waitMs;
  let acquired = await tryAcquireLease(deps, key, holder, ttlMs);
  while (!acquired && deps.clock.now().getTime() < deadline) {
    await (deps.sleep ?? realSleep)(100 + Math.random() * 150);
    acquired = await tryAcquireLease(deps, key, holder, ttlMs);
  }
  if (!acquired) throw new TransientError(`${key} is being worked on by another instance; retry later`, { lease: key, busy: true });
  try {
    return await work();
  } finally {
    await releaseLease(deps, key, holder);
  }
}

/** Frees the lease `key` if `holder` still holds it. */
export async function releaseLease(deps: { store: Store }, key: string, holder: string): Promise<void> {
  await deps.store.transaction(async (tx) => {
    const current = await tx.get(LEASES, key);
    if (current?.holder === holder) tx.delete(LEASES, key);
  });
}

/** The holder of the live lease `key`, if another holds it now (an expired lease is held by nobody). */
export function liveHolder(lease: Record<string, unknown> | undefined, holder: string, now: Date): string | undefined {
  if (!lease || lease.holder === holder || typeof lease.holder !== 'string') return undefined;
  return lease.expireAt instanceof Timestamp && lease.expireAt.toMillis() > now.getTime() ? lease.holder : undefined;
}

/** Takes the lease `key` for `holder` if it is free, expired or already `holder`'s; false when another holds it. */
export async function tryAcquireLease(deps: { store: Store; clock: Clock }, key: string, holder: string, ttlMs: number): Promise<boolean> {
  // A plain read first: waiters poll a held lease without opening transactions that contend with the holder's.
  const peek = await deps.store.get(LEASES, key);
  if (peek && peek.holder !== holder && peek.expireAt instanceof Timestamp && peek.expireAt.toMillis() > deps.clock.now().getTime())
    return false;
  // A free lease is taken by an atomic create: exactly one of many waiters wins, and none of them
  // holds a transaction lock (under load, racing lease transactions deadlock in the emulator).
  if (!peek) return deps.store.createIfAbsent(LEASES, key, { holder, expireAt: Timestamp.fromMillis(deps.clock.now().getTime() + ttlMs) });
  // An expired (or our own) lease is taken over in a transaction: the rare path.
  return deps.store.transaction(async (tx) => {
    const current = await tx.get(LEASES, key);
    const now = deps.clock.now().getTime();
    const expiry = current?.expireAt instanceof Timestamp ? current.expireAt.toMillis() : 0;
    if (current && current.holder !== holder && expiry > now) return false;
    tx.set(LEASES, key, { holder, expireAt: Timestamp.fromMillis(now + ttlMs) });
    return true;
  });
}
