/**
 * Drain facts: what fleetpilot has been told about each region (incidents opened and closed,
 * manual drains and restores). Facts merge commutatively and idempotently — `min` of open times,
 * `max` of close times, manual actions deduplicated by id — so the facts, and the drain state
 * derived from them, do not depend on the order or number of deliveries (invariant 2).
 */
import type { IncidentEvent } from './incident.ts';

/** One incident of a region: opened at the earliest `started_at` seen, closed at the latest `ended_at`. */
export interface IncidentFact {
  incidentId: string;
  region: string;
  /** ISO time. */
  openedAt: string;
  /** ISO time; absent while no close has been seen. */
  closedAt?: string;
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
}

/** The facts of one region. */
export interface RegionFacts {
  /** By incident id. */
  incidents: Record<string, IncidentFact>;
  /** Sorted by `at`, then `id`. */
  manual: ManualFact[];
}

/** The facts of the fleet, by region. */
export type FleetFacts = Record<string, RegionFacts>;

/** New facts, and whether they differ from the input (when not, `facts` is the input itself). */
export interface MergeResult {
  facts: FleetFacts;
  changed: boolean;
}

const NO_FACTS: RegionFacts = { incidents: {}, manual: [] };

/** The facts of one region (empty when none are recorded). */
export function regionFacts(facts: FleetFacts, region: string): RegionFacts {
  return Object.hasOwn(facts, region) ? facts[region]! : NO_FACTS;
}

/** Compares ISO times by instant, then as text, so the choice between equal instants is stable. */
function compareTimes(a: string, b: string): number {
  return Date.parse(a) - Date.parse(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const earlier = (a: string, b: string) => (compareTimes(a, b) <= 0 ? a : b);
const later = (a: string, b: string) => (compareTimes(a, b) >= 0 ? a : b);

/**
 * Records an incident notification for `region`. An open sets `openedAt` (the earliest start seen);
 * a close sets `closedAt` (the latest end seen) and also `openedAt` when the open never arrived.
 * Renotifications, duplicates and stale events return the input with `changed: false`. A close
 * without `endedAt` (the parser never yields one) counts as an open.
 */
export function mergeIncident(facts: FleetFacts, event: IncidentEvent, region: string): MergeResult {
  const id = event.incidentId;
  const rf = regionFacts(facts, region);
  const current = Object.hasOwn(rf.incidents, id) ? rf.incidents[id] : undefined;
  const startedAt = event.startedAt.toISOString();
  const endedAt = event.state === 'closed' && event.endedAt ? event.endedAt.toISOString() : undefined;
  const openedAt = current ? earlier(current.openedAt, startedAt) : startedAt;
  const closedAt = current?.closedAt === undefined ? endedAt : endedAt === undefined ? current.closedAt : later(current.closedAt, endedAt);
  if (current && current.openedAt === openedAt && current.closedAt === closedAt) return { facts, changed: false };
  const next: IncidentFact = { incidentId: id, region, openedAt, ...(closedAt === undefined ? {} : { closedAt }) };
  return { facts: { ...facts, [region]: { ...rf, incidents: { ...rf.incidents, [id]: next } } }, changed: true };
}

/** Orders manual facts by time, then id. */
export function compareManual(a: ManualFact, b: ManualFact): number {
  return compareTimes(a.at, b.at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Total order on two versions of the same id, so that a conflict resolves the same in any order. */
function manualKey(f: ManualFact): string {
  return JSON.stringify([new Date(f.at).getTime(), f.region, f.action, f.by, f.reason]);
}

/**
 * Records a manual drain or restore; `at` is normalised to an ISO string. A fact whose id is
 * already recorded changes nothing. (Two different facts under one id are a caller bug; the
 * smaller, by time then content, is kept so the result is still order-independent.)
 * Throws a RangeError when `at` is not a time.
 */
export function mergeManual(facts: FleetFacts, fact: ManualFact): MergeResult {
  const ms = Date.parse(fact.at);
  if (Number.isNaN(ms)) throw new RangeError(`manual ${fact.action} ${fact.id} has an invalid time ${JSON.stringify(fact.at)}`);
  const incoming: ManualFact = {
    id: fact.id,
    region: fact.region,
    action: fact.action,
    at: new Date(ms).toISOString(),
    by: fact.by,
    reason: fact.reason,
  };
  let existing: ManualFact | undefined;
  for (const rf of Object.values(facts)) existing ??= rf.manual.find((m) => m.id === fact.id);
  if (existing && manualKey(existing) <= manualKey(incoming)) return { facts, changed: false };
  let next = facts;
  if (existing) {
    const old = regionFacts(next, existing.region);
    const manual = old.manual.filter((m) => m.id !== fact.id);
    next = { ...next, [existing.region]: { ...old, manual } };
    // A region left with no facts disappears, as if the replaced fact had never arrived.
    if (manual.length === 0 && Object.keys(old.incidents).length === 0) delete next[existing.region];
  }
  const rf = regionFacts(next, incoming.region);
  return { facts: { ...next, [incoming.region]: { ...rf, manual: [...rf.manual, incoming].sort(compareManual) } }, changed: true };
}
