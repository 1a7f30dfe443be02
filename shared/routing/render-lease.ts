/**
 * Coalesced renders under the route lease. A run that finds the lease taken leaves a mark (a small
 * document in `leases`, with an expiry like every record) and hands its render to the holder, which
 * renders once more before it lets go whenever a mark appeared after it began a pass: ten runs at
 * once cost a couple of renders, not ten retries with Pub/Sub's backoff.
 *
 * Why no mark is lost, without a transaction: a run writes its mark and then reads the lease; a
 * holder frees the lease and then lists the marks. Whichever comes second sees the other's write,
 * so either the holder (or whoever takes the lease next) renders again, or the run takes the lease
 * itself. A pass covers only the marks it listed before it read anything, so it rendered from facts
 * written before them. A holder that dies leaves its lease to expire; the next run or tick renders.
 */
import { Timestamp } from '@google-cloud/firestore';
import { TTL_FIELD, type DocData, type Store } from '../adapters/firestore.ts';
import { realSleep, type Clock, type Sleep } from '../core/clock.ts';
import { TransientError } from '../core/errors.ts';
import { LEASES, liveHolder, releaseLease, tryAcquireLease } from '../state/leases.ts';

/** What a pass tells the runs whose marks it covered (stored in their marks, as plain JSON). */
export interface PassSummary {
  operationId: string;
}

/** The route lease and who asks for it. */
export interface RenderLease {
  key: string;
  holder: string;
  ttlMs: number;
  /** How long a run that handed its render over waits for a pass to cover it (0: not at all). */
  waitMs: number;
}

/** A render by this run's own passes. */
export interface Rendered<T> {
  rendered: true;
  value: T;
  passes: number;
  /** Runs whose marks these passes covered. */
  covered: number;
}

/** How a run's render happened: by its own passes, or by a holder's pass (absent when it did not wait). */
export type RenderTurn<T, S extends PassSummary = PassSummary> = Rendered<T> | { rendered: false; holder: string; pass?: S };

/** One run's claim: the lease is held (render now) or the render was handed over (wait for it). */
export type Claim<T, S extends PassSummary = PassSummary> =
  { held: true; hold: () => Promise<Rendered<T>> } | { held: false; holder: string; wait: () => Promise<RenderTurn<T, S>> };

/** Marks written in one commit (Firestore takes 500 writes at most). */
const MARK_BATCH = 400;

/** Passes one holder makes at most before it lets go for good. */
export const MAX_PASSES = 3;

type Deps = { store: Store; clock: Clock; sleep?: Sleep };
/**
 * One pass: its value, what it tells the runs it covered, and work that follows under the lease
 * after they are told (the mesh, after the routes they wait for).
 */
type Pass<T, S> = () => Promise<{ value: T; summary: S; after?: () => Promise<void> }>;

/** Takes the lease, or marks the routes dirty and hands the render to whoever holds it. */
export async function claimRender<T, S extends PassSummary>(deps: Deps, lease: RenderLease, render: Pass<T, S>): Promise<Claim<T, S>> {
  const { store, clock } = deps;
  const hold = () => holdAndRender(deps, lease, render);
  const expireAt = () => Timestamp.fromMillis(clock.now().getTime() + lease.ttlMs);
  if (await store.createIfAbsent(LEASES, lease.key, { holder: lease.holder, [TTL_FIELD]: expireAt() })) return { held: true, hold };
  const id = markId(lease);
  const mark = () => store.set(LEASES, id, { lease: lease.key, id, by: lease.holder, waits: lease.waitMs > 0, [TTL_FIELD]: expireAt() });
  await mark();
  // The read after the mark decides: a live holder lists the marks after it lets go.
  for (;;) {
    const holder = liveHolder(await store.get(LEASES, lease.key), lease.holder, clock.now());
    if (holder) return { held: false, holder, wait: () => waitForPass(deps, lease, render, holder, mark) };
    if (await tryAcquireLease(deps, lease.key, lease.holder, lease.ttlMs)) return { held: true, hold };
  }
}

/** The id of a run's mark. */
export function markId(lease: Pick<RenderLease, 'key' | 'holder'>): string {
  return `${lease.key}~${lease.holder}`;
}

async function waitForPass<T, S extends PassSummary>(
  deps: Deps,
  lease: RenderLease,
  render: Pass<T, S>,
  holder: string,
  mark: () => Promise<void>,
): Promise<RenderTurn<T, S>> {
  const { store, clock } = deps;
  const deadline = clock.now().getTime() + lease.waitMs;
  if (lease.waitMs <= 0) return { rendered: false as const, holder };
  // Polls back off (40 ms up to 0.5 s): hundreds of runs waiting at once must not swamp Firestore.
  for (let poll = 40; ; poll = Math.min(poll * 1.5, 500)) {
    await (deps.sleep ?? realSleep)(poll + Math.random() * poll);
    const mine = await store.get(LEASES, markId(lease));
    if (mine?.coveredBy) {
      await store.delete(LEASES, markId(lease));
      return { rendered: false as const, holder, pass: mine.coveredBy as S };
    }
    if (!mine) await mark();
    // A holder that failed or died left the mark uncovered: render here.
    const current = liveHolder(await store.get(LEASES, lease.key), lease.holder, clock.now());
    if (!current && (await tryAcquireLease(deps, lease.key, lease.holder, lease.ttlMs))) return holdAndRender(deps, lease, render);
    if (clock.now().getTime() >= deadline)
      throw new TransientError(`${lease.key} is being worked on by another instance; retry later`, { lease: lease.key, holder });
  }
}

async function holdAndRender<T, S extends PassSummary>(deps: Deps, lease: RenderLease, render: Pass<T, S>): Promise<Rendered<T>> {
  let passes = 0;
  let covered = 0;
  for (;;) {
    let value: T;
    try {
      const marks = await pendingMarks(deps, lease.key, true);
      const pass = await render();
      passes++;
      value = pass.value;
      covered += await cover(deps, lease, marks, pass.summary);
      await pass.after?.();
    } catch (error) {
      await releaseLease(deps, lease.key, lease.holder);
      throw error;
    }
    await releaseLease(deps, lease.key, lease.holder);
    // Bounded: under a steady stream of marks (a tick a second, a burst of onboardings) an unbounded
    // holder renders forever and its own run never ends. Runs still waiting take the free lease
    // themselves; a tick's mark is the next tick's.
    if (passes >= MAX_PASSES) return { rendered: true, value, passes, covered };
    const left = await pendingMarks(deps, lease.key, false);
    if (left.length === 0 || !(await tryAcquireLease(deps, lease.key, lease.holder, lease.ttlMs)))
      return { rendered: true, value, passes, covered };
  }
}

/** The marks of `key` no pass has covered yet; covered marks past their expiry are removed on the way. */
async function pendingMarks(deps: Deps, key: string, tidy: boolean): Promise<DocData[]> {
  const marks = (await deps.store.list(LEASES)).filter((d) => d.lease === key && typeof d.id === 'string');
  if (tidy) {
    const now = deps.clock.now().getTime();
    const stale = marks.filter((m) => m.coveredBy && m[TTL_FIELD] instanceof Timestamp && m[TTL_FIELD].toMillis() <= now);
    await commitMarks(
      deps.store,
      stale.map((m) => ({ id: m.id as string })),
    );
  }
  return marks.filter((m) => !m.coveredBy);
}

/** Tells each waiting run which pass covered it; marks of runs that do not wait (and the holder's own) just go. */
async function cover(deps: Deps, lease: RenderLease, marks: DocData[], summary: PassSummary): Promise<number> {
  // Plain JSON: Firestore takes no undefined fields.
  const coveredBy = JSON.parse(JSON.stringify(summary)) as DocData;
  const expireAt = Timestamp.fromMillis(deps.clock.now().getTime() + lease.ttlMs);
  await commitMarks(
    deps.store,
    marks.map((m) => ({
      id: m.id as string,
      ...(m.waits && m.id !== markId(lease) ? { data: { ...m, coveredBy, [TTL_FIELD]: expireAt } } : {}),
    })),
  );
  return marks.filter((m) => m.id !== markId(lease)).length;
}

/**
 * Writes marks (`data`) or deletes them (none) in a few commits: in a storm a pass covers hundreds
 * of marks, and one request per mark loaded Firestore as much as the notifications themselves. A
 * transaction with no reads is one atomic commit of at most {@link MARK_BATCH} writes.
 */
async function commitMarks(store: Store, writes: { id: string; data?: DocData }[]): Promise<void> {
  for (let i = 0; i < writes.length; i += MARK_BATCH) {
    const batch = writes.slice(i, i + MARK_BATCH);
    await store.transaction(async (tx) => {
      for (const w of batch) {
        if (w.data) tx.set(LEASES, w.id, w.data);
        else tx.delete(LEASES, w.id);
      }
    });
  }
}
