/**
 * The fact log against the real Firestore emulator: documents listed in the order their creation was
 * committed, and a burst of notifications recorded at once, with checkpoints folding the log while
 * they arrive, read back as every fact exactly once with distinct learned positions. The collections
 * are prefixed per run, so the sandbox's own facts are not touched.
 */
import { randomBytes } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '../../shared/adapters/firestore.ts';
import { loadEnv } from '../../shared/config/env.ts';
import { systemClock } from '../../shared/core/clock.ts';
import { checkpointFactLog, readFacts, recordFact } from '../../shared/failover/drain-store.ts';
import { FACT_LOG, incidentEntry } from '../../shared/failover/fact-log.ts';
import { sandboxInfo } from '../support/sandbox-clients.ts';

describe('fact log (Firestore emulator)', () => {
  let firestore: Firestore;
  let store: Store;
  beforeAll(() => {
    const env = loadEnv(sandboxInfo().env);
    firestore = new Firestore({
      projectId: env.FLEETPILOT_PROJECT_ID,
      databaseId: env.FLEETPILOT_FIRESTORE_DATABASE,
      ignoreUndefinedProperties: true,
      host: env.FIRESTORE_EMULATOR_HOST,
      ssl: false,
      customHeaders: { Authorization: 'Bearer owner' },
    });
    store = createStore({ firestore, clock: systemClock, collectionPrefix: `factlog-${randomBytes(4).toString('hex')}-` });
  });
  afterAll(async () => firestore.terminate());

  it('lists documents in the order their creation was committed, not by id', async () => {
    for (const id of ['zulu', 'alpha', 'mike', 'bravo']) await store.createIfAbsent('order', id, { id });
    await store.set('order', 'alpha', { id: 'alpha', rewritten: true });
    expect((await store.listByCreation('order')).map((d) => d.id)).toEqual(['zulu', 'alpha', 'mike', 'bravo']);
  });

  it('records 200 notifications sent at once, folded while they arrive, as 200 facts each learned once', async () => {
    const regions = ['asia-northeast1', 'asia-northeast2', 'us-central1', 'europe-west1'];
    const startedAt = new Date(Date.now() - 60_000);
    const notices = Array.from({ length: 200 }, (_, i) => ({ region: regions[i % regions.length]!, id: `i-${i}` }));
    const recorded = Promise.all(
      notices.map(({ region, id }) =>
        recordFact(store, incidentEntry({ incidentId: id, state: 'open', startedAt, endedAt: null }, region, new Date())),
      ),
    );
    const checkpoints = Promise.all(
      [1, 2, 3].map(async (k) => (await new Promise((r) => setTimeout(r, k * 50)), checkpointFactLog(store))),
    );
    expect((await recorded).every((r) => r.changed)).toBe(true);
    await checkpoints;
    const again = await Promise.all(
      notices
        .slice(0, 20)
        .map(({ region, id }) =>
          recordFact(store, incidentEntry({ incidentId: id, state: 'open', startedAt, endedAt: null }, region, new Date())),
        ),
    );
    expect(again.filter((r) => r.changed)).toEqual([]);
    const before = await readFacts(store);
    await checkpointFactLog(store);
    expect(await store.list(FACT_LOG)).toEqual([]);
    const facts = await readFacts(store);
    expect(facts).toEqual(before);
    const all = Object.values(facts.regions).flatMap((rf) => Object.values(rf.incidents));
    expect(all.map((f) => f.incidentId).sort()).toEqual(notices.map((n) => n.id).sort());
    expect(new Set(all.map((f) => f.seq)).size).toBe(200);
    expect(facts.seq).toBe(200);
  });
});
