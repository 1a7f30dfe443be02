/**
 * Coalesced route renders: runs that find the route lease taken mark the routes dirty and hand
 * their render to the holder, which renders again before it lets go. Whatever the interleaving, the
 * last render reflects every fact written before a run claimed, and a run that waited was covered
 * by a pass that saw its fact.
 */
import { Timestamp } from '@google-cloud/firestore';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Store } from '../../shared/adapters/firestore.ts';
import { TransientError } from '../../shared/core/errors.ts';
import { MAX_PASSES, claimRender, markId, type RenderLease, type RenderTurn } from '../../shared/routing/render-lease.ts';
import { LEASES } from '../../shared/state/leases.ts';
import { memoryStore } from '../support/memory-store.ts';
import { testClock, type TestClock } from '../support/test-clock.ts';

const KEY = 'routes:asia-northeast1-b:config';

/** Waiting moves the test clock and lets other work run (a real wait would too). */
const yieldingSleep = (clock: TestClock) => async (ms: number) => {
  clock.advance(ms);
  await new Promise((resolve) => setImmediate(resolve));
};
type Seen = { operationId: string; seen: string[] };

/** A render that reads every fact and records what it saw; at most one runs at a time. */
function renderer(store: Store) {
  const passes: Seen[] = [];
  let inside = 0;
  let most = 0;
  const pass = (run: string) => async () => {
    most = Math.max(most, ++inside);
    const seen = (await store.list('facts')).map((f) => f.id as string).sort();
    inside--;
    passes.push({ operationId: run, seen });
    return { value: seen, summary: { operationId: run, seen } };
  };
  return { passes, pass, most: () => most };
}

/** One run: write its fact, then claim the render and wait as told. */
async function run(
  deps: { store: Store; clock: ReturnType<typeof testClock> },
  r: ReturnType<typeof renderer>,
  id: string,
  waitMs: number,
) {
  await deps.store.set('facts', id, { id });
  const lease: RenderLease = { key: KEY, holder: `instance:${id}`, ttlMs: 60_000, waitMs };
  const claim = await claimRender({ ...deps, sleep: yieldingSleep(deps.clock) }, lease, r.pass(id));
  return claim.held ? claim.hold() : claim.wait();
}

/** Polls `done` until it holds, yielding to other work in between (bounded, never a sleep for an outcome). */
async function waitUntil(done: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !done(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(done()).toBe(true);
}

const uncoveredMarks = (store: ReturnType<typeof memoryStore>) =>
  [...store.docs.values()].filter((d) => d.lease === KEY && !d.coveredBy).map((d) => d.id);

describe('coalesced route renders', () => {
  it('ten runs at once cost a couple of passes; each was covered by a pass that saw its fact', async () => {
    const store = memoryStore();
    const clock = testClock();
    const r = renderer(store);
    const ids = Array.from({ length: 10 }, (_, i) => `run-${i}`);
    const turns = await Promise.all(ids.map((id) => run({ store, clock }, r, id, 30_000)));
    expect(r.passes.length).toBeLessThanOrEqual(3);
    expect(r.passes.at(-1)?.seen).toEqual(ids);
    turns.forEach((t, i) => expect(t.rendered ? t.value : (t.pass as Seen).seen).toContain(ids[i]));
    expect(r.most()).toBe(1);
    expect(store.docs.has(`${LEASES}/${KEY}`)).toBe(false);
    expect(uncoveredMarks(store)).toEqual([]);
  });

  it('a run that does not wait (the tick) returns at once; the holder renders again for it', async () => {
    const store = memoryStore();
    const clock = testClock();
    const r = renderer(store);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const holderPass = r.pass('holder');
    const claim = await claimRender({ store, clock }, { key: KEY, holder: 'a:holder', ttlMs: 60_000, waitMs: 30_000 }, async () => {
      await gate;
      return holderPass();
    });
    expect(claim.held).toBe(true);
    const holding = claim.held ? claim.hold() : Promise.reject(new Error('not held'));
    await new Promise((resolve) => setImmediate(resolve));
    const tick = await run({ store, clock }, r, 'tick', 0);
    expect(tick).toEqual({ rendered: false, holder: 'a:holder' });
    release();
    expect(await holding).toMatchObject({ rendered: true, passes: 2, covered: 1 });
    expect(r.passes.at(-1)?.seen).toContain('tick');
    expect(store.docs.has(`${LEASES}/${markId({ key: KEY, holder: 'instance:tick' })}`)).toBe(false);
  });

  it('a holder under a steady stream of marks lets go after MAX_PASSES; a run still waiting renders itself', async () => {
    const store = memoryStore();
    const clock = testClock();
    const r = renderer(store);
    const waiter = `waiter-${MAX_PASSES}`;
    let n = 0;
    // Every pass, another run marks the routes: a tick a second during a long render. The last one waits.
    const claim = await claimRender({ store, clock }, { key: KEY, holder: 'a:holder', ttlMs: 60_000, waitMs: 30_000 }, async () => {
      const value = await r.pass('holder')();
      const id = ++n < MAX_PASSES ? `tick-${n}` : waiter;
      if (n <= MAX_PASSES) void run({ store, clock }, r, id, id === waiter ? 30_000 : 0);
      await new Promise((resolve) => setImmediate(resolve));
      return value;
    });
    const held = await (claim.held ? claim.hold() : Promise.reject(new Error('not held')));
    expect(held).toMatchObject({ rendered: true, passes: MAX_PASSES });
    // The waiting run finds the lease free, renders itself, and its pass sees every fact.
    await waitUntil(() => r.passes.at(-1)?.operationId === waiter);
    expect(r.passes.at(-1)?.seen).toContain(waiter);
    expect(r.most()).toBe(1);
  });

  it('a holder that died: the waiting run takes the lease when it expires and renders itself', async () => {
    const store = memoryStore();
    const clock = testClock();
    await store.set(LEASES, KEY, { holder: 'crashed:op', expireAt: Timestamp.fromMillis(clock.now().getTime() + 2_000) });
    const r = renderer(store);
    const turn = await run({ store, clock }, r, 'late', 30_000);
    expect(turn).toMatchObject({ rendered: true, value: ['late'], passes: 1 });
    expect(uncoveredMarks(store)).toEqual([]);
  });

  it('a holder whose render fails: the waiting run renders itself (its mark is never dropped)', async () => {
    const store = memoryStore();
    const clock = testClock();
    const r = renderer(store);
    let fail: (error: Error) => void = () => undefined;
    const failing = new Promise<never>((_, reject) => (fail = reject));
    const claim = await claimRender({ store, clock }, { key: KEY, holder: 'a:holder', ttlMs: 60_000, waitMs: 30_000 }, () => failing);
    const holding = claim.held ? claim.hold() : Promise.reject(new Error('not held'));
    const waiting = run({ store, clock }, r, 'waiter', 30_000);
    await new Promise((resolve) => setImmediate(resolve));
    fail(new Error('config cluster unreachable'));
    await expect(holding).rejects.toThrow('unreachable');
    expect(await waiting).toMatchObject({ rendered: true, value: ['waiter'] });
  });

  it('any interleaving of runs: one pass at a time, the last reflects every fact, every waiting run was covered by its fact', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.boolean(), { minLength: 1, maxLength: 7 }), fc.scheduler(), async (waits, s) => {
        const plain = memoryStore();
        const clock = testClock();
        const store = scheduled(plain, s);
        const r = renderer(store);
        const ids = waits.map((_, i) => `run-${i}`);
        // A run whose wait ran out is redelivered, as Pub/Sub would.
        const deliver = async (id: string, waitMs: number): Promise<RenderTurn<string[]>> => {
          for (;;) {
            try {
              return await run({ store, clock }, r, id, waitMs);
            } catch (error) {
              if (!(error instanceof TransientError)) throw error;
            }
          }
        };
        const turns = await s.waitFor(Promise.all(ids.map((id, i) => deliver(id, waits[i] ? 5_000 : 0))));
        expect(r.most()).toBe(1);
        expect(r.passes.at(-1)?.seen).toEqual(ids);
        turns.forEach((t, i) => {
          if (t.rendered) expect(t.value).toContain(ids[i]);
          else if (t.pass) expect((t.pass as Seen).seen).toContain(ids[i]);
        });
        expect(uncoveredMarks(plain)).toEqual([]);
        expect(plain.docs.has(`${LEASES}/${KEY}`)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});

/** The store with every call answered when the scheduler says: other runs' calls happen in between. */
function scheduled(store: Store, s: fc.Scheduler): Store {
  const wrap = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => s.scheduleFunction(fn);
  return {
    ...store,
    get: wrap(store.get.bind(store)),
    list: wrap(store.list.bind(store)),
    set: wrap(store.set.bind(store)),
    createIfAbsent: wrap(store.createIfAbsent.bind(store)),
    delete: wrap(store.delete.bind(store)),
    transaction: (fn) => s.schedule(Promise.resolve()).then(() => store.transaction(fn)),
  };
}
