/**
 * The fact log: each notification or manual request that adds a fact is one small document, created
 * once under a key naming what it says (a region's incident and its state, or a manual request's id),
 * so an alert storm writes many documents instead of contending for one. Learned order is the order
 * Firestore committed the documents' creation, which is externally consistent: a fact a render has
 * not seen can only come after every fact it has seen, so a late report never re-decides the past.
 *
 * The log is folded into the facts document (see `drain-store.ts`) by the route lease holder after
 * each render ({@link checkpointFactLog}): the entries are merged with the same merges, in the same
 * order, as every reader applies them, and then deleted. Readers list the log before they read the
 * document, and every merge is idempotent, so an entry seen in both is counted once.
 */
import type { Store } from '../adapters/firestore.ts';
import { mergeIncident, mergeManual, type FleetFacts, type ManualFact } from './facts.ts';
import type { IncidentEvent } from './incident.ts';

/** The collection of fact log entries. */
export const FACT_LOG = 'failoverLog';

/** What an incident entry keeps of its notification: what the merge reads. */
type IncidentNotice = Pick<IncidentEvent, 'incidentId' | 'state' | 'startedAt' | 'endedAt'>;

/** One stored entry. */
export type FactLogEntry =
  | {
      key: string;
      kind: 'incident';
      region: string;
      recordedAt: string;
      incidentId: string;
      state: 'open' | 'closed';
      startedAt: string;
      endedAt: string | null;
    }
  | { key: string; kind: 'manual'; recordedAt: string; manual: ManualFact };

/** The entry recording an incident notification for `region`, learned at `now`. */
export function incidentEntry(event: IncidentNotice, region: string, now: Date): FactLogEntry {
  return {
    key: `incident ${region} ${event.incidentId} ${event.state}`,
    kind: 'incident',
    region,
    recordedAt: now.toISOString(),
    incidentId: event.incidentId,
    state: event.state,
    startedAt: event.startedAt.toISOString(),
    endedAt: event.endedAt?.toISOString() ?? null,
  };
}

/** The entry recording a manual drain or restore, learned at `now`. */
export function manualEntry(fact: ManualFact, now: Date): FactLogEntry {
  return { key: `manual ${fact.id}`, kind: 'manual', recordedAt: now.toISOString(), manual: fact };
}

/** Merges one entry into `facts` (unchanged when it adds nothing). */
export function mergeEntry(facts: FleetFacts, entry: FactLogEntry): FleetFacts {
  const now = new Date(entry.recordedAt);
  if (entry.kind === 'manual') return mergeManual(facts, entry.manual, now).facts;
  const endedAt = entry.endedAt === null ? null : new Date(entry.endedAt);
  return mergeIncident(
    facts,
    { incidentId: entry.incidentId, state: entry.state, startedAt: new Date(entry.startedAt), endedAt },
    entry.region,
    now,
  ).facts;
}

/** The log as listed: its entries in learned order, and the keys of stored documents that are not entries. */
export interface FactLog {
  entries: FactLogEntry[];
  malformed: string[];
}

function parseEntries(docs: Record<string, unknown>[]): FactLog {
  const entries: FactLogEntry[] = [];
  const malformed: string[] = [];
  for (const doc of docs) {
    if (wellFormed(doc)) entries.push(doc);
    else malformed.push(typeof doc.key === 'string' ? doc.key : JSON.stringify(doc).slice(0, 120));
  }
  return { entries, malformed };
}

const isTime = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v));

function wellFormed(doc: Record<string, unknown>): doc is FactLogEntry {
  if (typeof doc.key !== 'string' || !isTime(doc.recordedAt)) return false;
  if (doc.kind === 'manual') {
    const m = doc.manual as Record<string, unknown> | undefined;
    return typeof m === 'object' && m !== null && typeof m.id === 'string' && typeof m.region === 'string' && isTime(m.at);
  }
  return (
    doc.kind === 'incident' &&
    typeof doc.region === 'string' &&
    typeof doc.incidentId === 'string' &&
    (doc.state === 'open' || doc.state === 'closed') &&
    isTime(doc.startedAt) &&
    (doc.endedAt === null || isTime(doc.endedAt))
  );
}

/** Appends an entry; false when an entry with its key is already in the log (a duplicate). */
export async function appendFact(store: Store, entry: FactLogEntry): Promise<boolean> {
  return store.createIfAbsent(FACT_LOG, entry.key, entry);
}

/** The log in learned order. */
export async function readFactLog(store: Store): Promise<FactLog> {
  return parseEntries(await store.listByCreation(FACT_LOG));
}

/** Every entry merged into `facts`, in learned order. */
export function withEntries(facts: FleetFacts, entries: readonly FactLogEntry[]): FleetFacts {
  return entries.reduce(mergeEntry, facts);
}
