/**
 * Persistence of the drain facts (incidents and manual holds per region, in learned order): new facts
 * are appended to the fact log (`fact-log.ts`), which the route lease holder folds into one facts
 * document inside a transaction; its compaction; and the derived drain state, kept for people and
 * the API to read.
 */
import type { Store } from '../adapters/firestore.ts';
import { compactFacts } from './compact.ts';
import type { DeriveInput, FleetDrainState } from './drain-state.ts';
import { appendFact, FACT_LOG, mergeEntry, readFactLog, withEntries, type FactLog, type FactLogEntry } from './fact-log.ts';
import { factsFromDocument, type FleetFacts, type MergeResult } from './facts.ts';

/** The collection of failover documents. */
export const FAILOVER = 'failover';
const FACTS = 'facts';
const STATE = 'state';

/** How long facts stay unfolded: an hour of recent history is readable as it was learned. */
export const FACT_RETENTION_MS = 3600_000;
/** A facts document larger than this (an alert storm) is compacted down to the last minute at once. */
export const FACTS_SIZE_BUDGET = 256 * 1024;
const STORM_RETENTION_MS = 60_000;

/** Entries folded into the facts document per transaction (Firestore allows 500 writes in one). */
const CHECKPOINT_BATCH = 400;
const CHECKPOINT_BATCHES = 5;

/** Reads every region's facts: the facts document with the log not yet folded into it. */
export async function readFacts(store: Store): Promise<FleetFacts> {
  return (await readFactsWithLog(store)).facts;
}

/** {@link readFacts}, with the log as listed (what {@link checkpointFactLog} can fold afterwards without listing it again). */
export async function readFactsWithLog(store: Store): Promise<{ facts: FleetFacts; log: FactLog }> {
  // The log first: an entry folded into the document meanwhile is then read twice, and counted once.
  const log = await readFactLog(store);
  return { facts: withEntries(factsFromDocument(await store.get(FAILOVER, FACTS)), log.entries), log };
}

/**
 * Records a new fact: appended to the log, and new unless the facts document already holds what it
 * says or the log already has its entry. No transaction, so notifications arriving together never
 * contend. The document is read while the entry is written (a failover waits for each round trip):
 * a renotification of a fact already folded leaves a redundant entry, which merges as nothing and
 * the next checkpoint removes.
 */
export async function recordFact(store: Store, entry: FactLogEntry): Promise<{ changed: boolean }> {
  const [document, appended] = await Promise.all([store.get(FAILOVER, FACTS), appendFact(store, entry)]);
  const stored = factsFromDocument(document);
  return { changed: appended && mergeEntry(stored, entry) !== stored };
}

/**
 * Folds the oldest log entries into the facts document and deletes them, one transaction per batch.
 * `listed` is the log as a reader listed it earlier (a prefix of the log as it is now, since only
 * the route lease holder folds): its entries are folded, and later ones wait for the next
 * checkpoint. Without it the log is listed now. Returns how many were folded and the keys of log
 * documents that are not entries (left in place).
 */
export async function checkpointFactLog(store: Store, listed?: FactLog): Promise<{ folded: number; malformed: string[] }> {
  const { entries, malformed } = listed ?? (await readFactLog(store));
  let folded = 0;
  for (let i = 0; i < CHECKPOINT_BATCHES && folded < entries.length; i++) {
    // A prefix in learned order: whatever a reader lists afterwards still comes after it.
    const batch = entries.slice(folded, folded + CHECKPOINT_BATCH);
    await store.transaction(async (tx) => {
      const facts = factsFromDocument(await tx.get(FAILOVER, FACTS));
      const next = withEntries(facts, batch);
      if (next !== facts) tx.set(FAILOVER, FACTS, toDocument(next));
      for (const entry of batch) tx.delete(FACT_LOG, entry.key);
    });
    folded += batch.length;
  }
  return { folded, malformed };
}

function toDocument(value: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** Applies `merge` to the stored facts in a transaction; writes only when something changed. */
export async function updateFacts(store: Store, merge: (facts: FleetFacts) => MergeResult): Promise<MergeResult> {
  return store.transaction(async (tx) => {
    const result = merge(factsFromDocument(await tx.get(FAILOVER, FACTS)));
    if (result.changed) tx.set(FAILOVER, FACTS, toDocument(result.facts));
    return result;
  });
}

/** The cutoff compaction would use now, when the facts hold anything older than it. */
export function compactionCutoff(facts: FleetFacts, now: Date): Date | undefined {
  const retain = JSON.stringify(facts).length > FACTS_SIZE_BUDGET ? STORM_RETENTION_MS : FACT_RETENTION_MS;
  const cutoff = now.getTime() - retain;
  const old = (iso: string | undefined) => iso !== undefined && Date.parse(iso) <= cutoff;
  for (const rf of Object.values(facts.regions)) {
    if (rf.manual.some((m) => old(m.learnedAt ?? m.at))) return new Date(cutoff);
    // The hold-down end can only be judged with the policy; an old learned close is enough to try.
    for (const f of Object.values(rf.incidents))
      if (f.closedAt !== undefined && old(f.closeLearnedAt ?? f.closedAt)) return new Date(cutoff);
  }
  return undefined;
}

/**
 * Folds old history into the base when there is any (see {@link compactFacts}); returns how many
 * facts were folded. `input` holds the services and policy the render derived with.
 */
export async function compactStoredFacts(store: Store, input: Omit<DeriveInput, 'facts'>, seen: FleetFacts): Promise<number> {
  const cutoff = compactionCutoff(seen, input.now);
  if (!cutoff) return 0;
  const count = (f: FleetFacts) => Object.values(f.regions).reduce((n, rf) => n + Object.keys(rf.incidents).length + rf.manual.length, 0);
  let folded = 0;
  await updateFacts(store, (facts) => {
    const result = compactFacts({ ...input, facts, cutoff });
    folded = count(facts) - count(result.facts);
    return result;
  });
  return folded;
}

/** Stores the derived state as last rendered into routes. */
export async function writeDrainSnapshot(store: Store, state: FleetDrainState, at: Date, operationId: string): Promise<void> {
  await store.set(FAILOVER, STATE, toDocument({ ...state, renderedAt: at.toISOString(), operationId }));
}

/** The last derived state, if any. */
export async function readDrainSnapshot(
  store: Store,
): Promise<(FleetDrainState & { renderedAt: string; operationId: string }) | undefined> {
  return (await store.get(FAILOVER, STATE)) as (FleetDrainState & { renderedAt: string; operationId: string }) | undefined;
}
