/**
 * The timeline the drain replay walks: moments built from the facts, in one total order, and the
 * questions the replay asks of the facts at a moment (which incidents are open, when was the last
 * close). Incidents are open over [openedAt, closedAt), so the answer depends only on the time.
 */
import type { FleetFacts, IncidentFact, RegionFacts } from './facts.ts';

/** What happens at a moment. At equal times, restores come before drains. */
export type MomentKind = 'incident-close' | 'hold-down-expiry' | 'manual-restore' | 'freeze-expiry' | 'incident-open' | 'manual-drain';

const KIND_RANK: Record<MomentKind, number> = {
  'incident-close': 0,
  'hold-down-expiry': 1,
  'manual-restore': 2,
  'freeze-expiry': 3,
  'incident-open': 4,
  'manual-drain': 5,
};

/** One moment of the replay. `id` is the incident or manual fact id (empty for a freeze expiry). */
export interface Moment {
  at: number;
  kind: MomentKind;
  region: string;
  id: string;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The total order of moments: time, then kind, then region, then id. */
export function compareMoments(a: Moment, b: Moment): number {
  return a.at - b.at || KIND_RANK[a.kind] - KIND_RANK[b.kind] || compareText(a.region, b.region) || compareText(a.id, b.id);
}

/** Open and close of an incident in epoch ms; undefined when its open time is not a time. */
export function incidentSpan(fact: IncidentFact): { open: number; close?: number } | undefined {
  const open = Date.parse(fact.openedAt);
  if (Number.isNaN(open)) return undefined;
  const close = fact.closedAt === undefined ? Number.NaN : Date.parse(fact.closedAt);
  return Number.isNaN(close) ? { open } : { open, close };
}

/**
 * The moments known from the facts up to `now` (later ones are ignored), sorted: each incident's
 * open and close, a hold-down expiry `holdDownMs` after each close, and each manual action. Facts
 * whose time is not a time are skipped.
 */
export function factMoments(facts: FleetFacts, holdDownMs: number, now: number): Moment[] {
  const moments: Moment[] = [];
  const add = (m: Moment) => {
    if (m.at <= now) moments.push(m);
  };
  for (const [region, rf] of Object.entries(facts)) {
    for (const fact of Object.values(rf.incidents)) {
      const span = incidentSpan(fact);
      if (!span) continue;
      add({ at: span.open, kind: 'incident-open', region, id: fact.incidentId });
      if (span.close === undefined) continue;
      add({ at: span.close, kind: 'incident-close', region, id: fact.incidentId });
      add({ at: span.close + holdDownMs, kind: 'hold-down-expiry', region, id: fact.incidentId });
    }
    for (const m of rf.manual) {
      const at = Date.parse(m.at);
      if (!Number.isNaN(at)) add({ at, kind: m.action === 'drain' ? 'manual-drain' : 'manual-restore', region, id: m.id });
    }
  }
  return moments.sort(compareMoments);
}

/** Inserts a moment into a sorted queue, keeping it sorted. */
export function insertMoment(queue: Moment[], moment: Moment): void {
  const index = queue.findIndex((m) => compareMoments(m, moment) > 0);
  if (index === -1) queue.push(moment);
  else queue.splice(index, 0, moment);
}

/** The incidents of a region open at `t` (opened at or before, not closed at or before), oldest first. */
export function openIncidentsAt(rf: RegionFacts, t: number): IncidentFact[] {
  return Object.values(rf.incidents)
    .filter((f) => {
      const span = incidentSpan(f);
      return span !== undefined && span.open <= t && (span.close === undefined || span.close > t);
    })
    .sort((a, b) => Date.parse(a.openedAt) - Date.parse(b.openedAt) || compareText(a.incidentId, b.incidentId));
}

/** The latest close of a region's incidents at or before `t`. */
export function lastCloseAt(rf: RegionFacts, t: number): number | undefined {
  let last: number | undefined;
  for (const f of Object.values(rf.incidents)) {
    const close = incidentSpan(f)?.close;
    if (close !== undefined && close <= t && (last === undefined || close > last)) last = close;
  }
  return last;
}
