/**
 * Drain facts: what fleetpilot has been told about each region (incidents opened and closed,
 * manual drains and restores), each stamped with when fleetpilot *learned* of it. Decisions are
 * made in learned order (invariant 2: the drain fleetpilot learned of first wins, and a report that
 * arrives late never re-decides the past), so a fact keeps the first learned time and sequence
 * number it was given; a redelivery or a renotification changes nothing.
 *
 * Learned times never go backwards: a fact learned after another gets a time at least as late and a
 * larger sequence number, even when two instances' clocks disagree. History that no longer changes
 * any decision is folded into {@link FleetFacts.base} by compaction (see `compact.ts`).
 */
import type { IncidentEvent } from './incident.ts';
import type { OverridableGuard } from './drain-state.ts';
import type { FactsBase } from './drain-state.ts';

/** One incident of a region. */
export interface IncidentFact {
  incidentId: string;
  region: string;
  /** ISO time the incident says it started (the first report learned). */
  openedAt: string;
  /** ISO time the incident says it ended; absent while no close has been learned. */
  closedAt?: string;
  /** ISO time fleetpilot first learned of the incident (its open, or its close when that came first). */
  learnedAt?: string;
  /** Learned order of the incident. */
  seq?: number;
  /** ISO time fleetpilot learned of the close. */
  closeLearnedAt?: string;
  /** Learned order of the close. */
  closeSeq?: number;
}

/** A manual drain or restore requested by an operator (API, chat-ops). */
export interface ManualFact {
  /** Unique id of the request; deliveries of the same id count once. */
  id: string;
  region: string;
  action: 'drain' | 'restore';
  /** ISO time the request was made. */
  at: string;
  by: string;
  reason: string;
  /** Guards an admin overrode for this drain (break glass); absent for every other request. */
  overrideGuards?: OverridableGuard[];
  /** ISO time fleetpilot recorded it. */
  learnedAt?: string;
  /** Learned order. */
  seq?: number;
}

/** The facts of one region. */
export interface RegionFacts {
  /** By incident id. */
  incidents: Record<string, IncidentFact>;
  /** In learned order. */
  manual: ManualFact[];
}

/** The facts of the fleet. */
export interface FleetFacts {
  /** By region. */
  regions: Record<string, RegionFacts>;
  /** The last learned sequence number given out. */
  seq: number;
  /** The latest learned time given out (ISO). */
  learnedAt?: string;
  /** The replayed state of the history compaction folded away. */
  base?: FactsBase;
}

/** New facts, and whether they differ from the input (when not, `facts` is the input itself). */
export interface MergeResult {
  facts: FleetFacts;
  changed: boolean;
}

/** Facts with nothing learned yet. */
export const NO_FACTS: FleetFacts = { regions: {}, seq: 0 };
const NO_REGION_FACTS: RegionFacts = { incidents: {}, manual: [] };

/** The facts of one region (empty when none are recorded). */
export function regionFacts(facts: FleetFacts, region: string): RegionFacts {
  return Object.hasOwn(facts.regions, region) ? facts.regions[region]! : NO_REGION_FACTS;
}

/** Every region the facts name, folded history included. */
export function factRegions(facts: FleetFacts): string[] {
  return [...new Set([...Object.keys(facts.regions), ...Object.keys(facts.base?.regions ?? {})])].sort();
}

/** The learned stamp for the next fact: never earlier than the last one given out, always after the folded history. */
function nextLearned(facts: FleetFacts, now: Date): { learnedAt: string; seq: number } {
  const ms = now.getTime();
  if (Number.isNaN(ms)) throw new RangeError('merge: now is not a valid time');
  const last = facts.learnedAt === undefined ? Number.NEGATIVE_INFINITY : Date.parse(facts.learnedAt);
  // After the folded history too: the replay starts after the base, so a fact learned at or before
  // it (an instance whose clock is far behind) would never be replayed.
  const folded = facts.base ? Date.parse(facts.base.at) + 1 : Number.NEGATIVE_INFINITY;
  return { learnedAt: new Date(Math.max(ms, last, folded)).toISOString(), seq: facts.seq + 1 };
}

function withRegion(facts: FleetFacts, region: string, rf: RegionFacts, stamp: { learnedAt: string; seq: number }): FleetFacts {
  return { ...facts, regions: { ...facts.regions, [region]: rf }, seq: stamp.seq, learnedAt: stamp.learnedAt };
}

/**
 * Records an incident notification for `region`, learned at `now`. The first report of an
 * incident (open or close) stamps it; the first close learned stamps the close. Renotifications,
 * duplicates, later closes of a closed incident and opens after its close change nothing.
 */
export function mergeIncident(
  facts: FleetFacts,
  event: Pick<IncidentEvent, 'incidentId' | 'state' | 'startedAt' | 'endedAt'>,
  region: string,
  now: Date,
): MergeResult {
  const id = event.incidentId;
  const rf = regionFacts(facts, region);
  const current = Object.hasOwn(rf.incidents, id) ? rf.incidents[id] : undefined;
  const endedAt = event.state === 'closed' && event.endedAt ? event.endedAt.toISOString() : undefined;
  if (current && (current.closedAt !== undefined || endedAt === undefined)) return { facts, changed: false };
  if (!current && facts.base && Object.hasOwn(facts.base.foldedIncidents ?? {}, foldedIncidentKey(region, id)))
    return { facts, changed: false };
  const stamp = nextLearned(facts, now);
  const close = endedAt === undefined ? {} : { closedAt: endedAt, closeLearnedAt: stamp.learnedAt, closeSeq: stamp.seq };
  const next: IncidentFact = current
    ? { ...current, ...close }
    : { incidentId: id, region, openedAt: event.startedAt.toISOString(), learnedAt: stamp.learnedAt, seq: stamp.seq, ...close };
  return { facts: withRegion(facts, region, { ...rf, incidents: { ...rf.incidents, [id]: next } }, stamp), changed: true };
}

/** The key of a folded incident in {@link FactsBase.foldedIncidents}. */
export function foldedIncidentKey(region: string, incidentId: string): string {
  return `${region} ${incidentId}`;
}

/** Orders manual facts in learned order (facts from before learned order by time), then id. */
export function compareManual(a: ManualFact, b: ManualFact): number {
  const ta = Date.parse(a.learnedAt ?? a.at);
  const tb = Date.parse(b.learnedAt ?? b.at);
  return ta - tb || (a.seq ?? Infinity) - (b.seq ?? Infinity) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Records a manual drain or restore learned at `now`; `at` is normalised to an ISO string. A fact
 * whose id is already recorded changes nothing. Throws a RangeError when `at` is not a time.
 */
export function mergeManual(facts: FleetFacts, fact: ManualFact, now: Date): MergeResult {
  const ms = Date.parse(fact.at);
  if (Number.isNaN(ms)) throw new RangeError(`manual ${fact.action} ${fact.id} has an invalid time ${JSON.stringify(fact.at)}`);
  for (const rf of Object.values(facts.regions)) if (rf.manual.some((m) => m.id === fact.id)) return { facts, changed: false };
  if (facts.base && Object.hasOwn(facts.base.foldedManual, fact.id)) return { facts, changed: false };
  const stamp = nextLearned(facts, now);
  const incoming: ManualFact = {
    id: fact.id,
    region: fact.region,
    action: fact.action,
    at: new Date(ms).toISOString(),
    by: fact.by,
    reason: fact.reason,
    ...(fact.action === 'drain' && fact.overrideGuards?.length ? { overrideGuards: [...fact.overrideGuards] } : {}),
    ...stamp,
  };
  const rf = regionFacts(facts, incoming.region);
  return {
    facts: withRegion(facts, incoming.region, { ...rf, manual: [...rf.manual, incoming].sort(compareManual) }, stamp),
    changed: true,
  };
}

/** Reads facts as stored: documents written before learned order hold only the regions. */
export function factsFromDocument(doc: Record<string, unknown> | undefined): FleetFacts {
  if (!doc) return NO_FACTS;
  const regions = (doc.regions ?? {}) as Record<string, RegionFacts>;
  const seq = typeof doc.seq === 'number' ? doc.seq : 0;
  return {
    regions,
    seq,
    ...(typeof doc.learnedAt === 'string' ? { learnedAt: doc.learnedAt } : {}),
    ...(doc.base ? { base: doc.base as FactsBase } : {}),
  };
}
