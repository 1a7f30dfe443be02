/**
 * The fact log (failover/fact-log.ts, drain-store.ts): facts appended one document each and folded
 * into the facts document by checkpoints read back exactly as one document merged in the same order
 * would hold them — whenever the checkpoints run and however a reader's two reads interleave with one.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkpointFactLog, readFacts, recordFact } from '../../shared/failover/drain-store.ts';
import { FACT_LOG, incidentEntry, manualEntry, readFactLog, withEntries, type FactLogEntry } from '../../shared/failover/fact-log.ts';
import { factsFromDocument, mergeIncident, mergeManual, NO_FACTS, type FleetFacts } from '../../shared/failover/facts.ts';
import { memoryStore } from '../support/memory-store.ts';

const T0 = Date.parse('2026-11-02T10:00:00.000Z');
const REGIONS = ['asia-northeast1', 'asia-northeast2'];

type Notice =
  | { kind: 'incident'; region: string; id: string; state: 'open' | 'closed'; startMin: number; endMin: number }
  | { kind: 'manual'; region: string; id: string; action: 'drain' | 'restore'; atMin: number };

const notice = fc.oneof(
  fc.record({
    kind: fc.constant('incident' as const),
    region: fc.constantFrom(...REGIONS),
    id: fc.constantFrom('i-1', 'i-2', 'i-3'),
    state: fc.constantFrom('open' as const, 'closed' as const),
    startMin: fc.integer({ min: 0, max: 5 }),
    endMin: fc.integer({ min: 5, max: 9 }),
  }),
  fc.record({
    kind: fc.constant('manual' as const),
    region: fc.constantFrom(...REGIONS),
    id: fc.constantFrom('m-1', 'm-2'),
    action: fc.constantFrom('drain' as const, 'restore' as const),
    atMin: fc.integer({ min: 0, max: 9 }),
  }),
);

const minute = (m: number) => new Date(T0 + m * 60_000);

function entryOf(n: Notice, now: Date): FactLogEntry {
  if (n.kind === 'manual')
    return manualEntry(
      { id: n.id, region: n.region, action: n.action, at: minute(n.atMin).toISOString(), by: 'ops', reason: 'drill' },
      now,
    );
  const event = {
    incidentId: n.id,
    state: n.state,
    startedAt: minute(n.startMin),
    endedAt: n.state === 'closed' ? minute(n.endMin) : null,
  };
  return incidentEntry(event, n.region, now);
}

/** What one document merged in a transaction per notice, in arrival order, holds. */
function reference(notices: readonly Notice[]): FleetFacts {
  return notices.reduce((facts, n, i) => {
    const now = new Date(T0 + 600_000 + i * 1_000);
    if (n.kind === 'manual') {
      const m = { id: n.id, region: n.region, action: n.action, at: minute(n.atMin).toISOString(), by: 'ops', reason: 'drill' };
      return mergeManual(facts, m, now).facts;
    }
    const event = {
      incidentId: n.id,
      state: n.state,
      startedAt: minute(n.startMin),
      endedAt: n.state === 'closed' ? minute(n.endMin) : null,
    };
    return mergeIncident(facts, event, n.region, now).facts;
  }, NO_FACTS);
}

const plain = (facts: FleetFacts) => JSON.parse(JSON.stringify(facts)) as unknown;

describe('the fact log', () => {
  it('reads back what one document merged in arrival order holds, checkpointed at any points', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(notice, fc.boolean()), { maxLength: 30 }), async (steps) => {
        const store = memoryStore();
        for (const [i, [n, checkpoint]] of steps.entries()) {
          await recordFact(store, entryOf(n, new Date(T0 + 600_000 + i * 1_000)));
          if (checkpoint) await checkpointFactLog(store);
        }
        const want = plain(reference(steps.map(([n]) => n)));
        expect(plain(await readFacts(store))).toEqual(want);
        await checkpointFactLog(store);
        expect(await store.list(FACT_LOG)).toEqual([]);
        expect(plain(factsFromDocument(await store.get('failover', 'facts')))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it('a checkpoint given the log as a render listed it earlier folds exactly those entries; later ones wait for the next', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(notice, fc.boolean()), { maxLength: 30 }), async (steps) => {
        const store = memoryStore();
        let listed = await readFactLog(store);
        for (const [i, [n, checkpoint]] of steps.entries()) {
          await recordFact(store, entryOf(n, new Date(T0 + 600_000 + i * 1_000)));
          if (!checkpoint) continue;
          const before = (await readFactLog(store)).entries.map((e) => e.key);
          await checkpointFactLog(store, listed);
          const foldedKeys = new Set(listed.entries.map((e) => e.key));
          expect((await readFactLog(store)).entries.map((e) => e.key)).toEqual(before.filter((k) => !foldedKeys.has(k)));
          listed = await readFactLog(store);
        }
        expect(plain(await readFacts(store))).toEqual(plain(reference(steps.map(([n]) => n))));
      }),
      { numRuns: 200 },
    );
  });

  it('a reader whose log read comes before a checkpoint and its document read after it still sees every fact once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(notice, { minLength: 1, maxLength: 20 }), fc.nat(), async (notices, cut) => {
        const store = memoryStore();
        const split = cut % (notices.length + 1);
        for (const [i, n] of notices.entries()) {
          await recordFact(store, entryOf(n, new Date(T0 + 600_000 + i * 1_000)));
          if (i + 1 === split) await checkpointFactLog(store);
        }
        const log = await readFactLog(store);
        await checkpointFactLog(store);
        const read = withEntries(factsFromDocument(await store.get('failover', 'facts')), log.entries);
        expect(plain(read)).toEqual(plain(reference(notices)));
      }),
      { numRuns: 200 },
    );
  });

  it('says whether a notice added a fact: renotifications and duplicates do not, before or after a checkpoint', async () => {
    const store = memoryStore();
    const open: Notice = { kind: 'incident', region: REGIONS[0]!, id: 'i-1', state: 'open', startMin: 0, endMin: 5 };
    const close: Notice = { ...open, state: 'closed' };
    const now = minute(10);
    expect(await recordFact(store, entryOf(open, now))).toEqual({ changed: true });
    expect(await recordFact(store, entryOf(open, now))).toEqual({ changed: false });
    await checkpointFactLog(store);
    expect(await recordFact(store, entryOf(open, now))).toEqual({ changed: false });
    expect(await recordFact(store, entryOf(close, now))).toEqual({ changed: true });
    await checkpointFactLog(store);
    expect(await recordFact(store, entryOf({ ...close, endMin: 7 }, now))).toEqual({ changed: false });
    expect((await readFacts(store)).regions[REGIONS[0]!]?.incidents['i-1']).toMatchObject({ closedAt: minute(5).toISOString() });
  });

  it('leaves a log document that is not a fact in place and names it; the facts around it are folded', async () => {
    const store = memoryStore();
    await store.set(FACT_LOG, 'junk', { key: 'junk', kind: 'incident', region: 7 });
    await recordFact(store, entryOf({ kind: 'manual', region: REGIONS[1]!, id: 'm-1', action: 'drain', atMin: 1 }, minute(10)));
    expect(await checkpointFactLog(store)).toEqual({ folded: 1, malformed: ['junk'] });
    expect(await store.list(FACT_LOG)).toEqual([{ key: 'junk', kind: 'incident', region: 7 }]);
    expect((await readFacts(store)).regions[REGIONS[1]!]?.manual.map((m) => m.id)).toEqual(['m-1']);
  });
});
