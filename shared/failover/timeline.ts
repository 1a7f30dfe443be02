/**
 * The timeline the drain replay walks: moments built from the facts in learned order, and the
 * questions the replay asks of the facts at a moment (which incidents are open, when does the last
 * hold-down end). A fact takes effect when fleetpilot learned of it, never at the earlier time it
 * claims, so facts learned later cannot change what was decided before (invariant 2).
 */
import type { FleetFacts, IncidentFact, RegionFacts } from './facts.ts';
import type { OverridableGuard } from './drain-state.ts';
import { parseIsoMs } from './iso-time.ts';

/** What happens at a moment. */
export type MomentKind = 'incident-close' | 'hold-down-expiry' | 'manual-restore' | 'freeze-expiry' | 'incident-open' | 'manual-drain';

/** For facts recorded before learned order (no sequence number): restores before drains. */
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
  /** Learned order (absent for timers and for facts recorded before learned order; a hold-down expiry ending with its close follows it). */
  seq?: number;
  /** A manual drain's overridden guards (break glass). */
  overrides?: readonly OverridableGuard[];
}

/** A point of the replay: a time and, within a millisecond, a learned sequence number. */
export interface Position {
  at: number;
  seq: number;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Timers (hold-down and freeze expiries) come before what was learned at the same millisecond (compared as constants: a set lookup per comparison was a tenth of a sort). */
const tier = (m: Moment) => (m.kind === 'hold-down-expiry' || m.kind === 'freeze-expiry' ? 0 : 1);
/** A moment's place within its millisecond: timers first, then learned order, then facts without one. A hold-down expiry may carry a place right after its close. */
const rank = (m: Moment) => (m.seq !== undefined ? m.seq : tier(m) === 0 ? -1 : Number.MAX_SAFE_INTEGER);

/** The total order of moments: time, timers first, learned order, then kind, region and id. */
export function compareMoments(a: Moment, b: Moment): number {
  return (
    a.at - b.at || rank(a) - rank(b) || KIND_RANK[a.kind] - KIND_RANK[b.kind] || compareText(a.region, b.region) || compareText(a.id, b.id)
  );
}

/** The position of a moment. */
export function positionOf(m: Moment): Position {
  return { at: m.at, seq: rank(m) };
}

/** The end of time `t`: after everything learned at `t`. */
export const endOf = (t: number): Position => ({ at: t, seq: Number.POSITIVE_INFINITY });

/**
 * When an incident took effect, flat (one object per incident: a replay builds one for every
 * incident in the history): opened when learned, closed when its close was learned.
 */
export interface IncidentSpan {
  readonly fact: IncidentFact;
  readonly openAt: number;
  readonly openSeq: number;
  /** Whether its close is known (and a time). */
  readonly closed: boolean;
  /** When its close took effect; NaN while not closed. */
  readonly closeAt: number;
  readonly closeSeq: number;
  /** When its hold-down ends: its end plus the hold-down, and never before the close was learned; NaN while not closed. */
  readonly release: number;
}

/** Whether an incident's open took effect at or before `p`. */
export const openedBy = (s: IncidentSpan, p: Position) => s.openAt < p.at || (s.openAt === p.at && s.openSeq <= p.seq);

/** Whether an incident's close took effect at or before `p`. */
export const closedBy = (s: IncidentSpan, p: Position) => s.closed && (s.closeAt < p.at || (s.closeAt === p.at && s.closeSeq <= p.seq));

/** The span of an incident (facts recorded before learned order take effect at the times they claim); undefined when its open is not a time. */
export function incidentSpan(fact: IncidentFact, holdDownMs: number): IncidentSpan | undefined {
  const openAt = parseIsoMs(fact.learnedAt ?? fact.openedAt);
  if (Number.isNaN(openAt)) return undefined;
  const openSeq = fact.seq ?? Number.MAX_SAFE_INTEGER;
  const closeAt = fact.closedAt === undefined ? NaN : parseIsoMs(fact.closeLearnedAt ?? fact.closedAt);
  const ended = fact.closedAt === undefined ? NaN : parseIsoMs(fact.closedAt);
  const closed = !Number.isNaN(closeAt) && !Number.isNaN(ended);
  return {
    fact,
    openAt,
    openSeq,
    closed,
    closeAt: closed ? closeAt : NaN,
    closeSeq: closed ? (fact.closeSeq ?? Number.MAX_SAFE_INTEGER) : NaN,
    release: closed ? Math.max(ended + holdDownMs, closeAt) : NaN,
  };
}

/**
 * The moments after the folded history and up to `now` (later ones are ignored), sorted: each
 * incident's open and close, a hold-down expiry after each close, and each manual action. Facts
 * whose time is not a time are skipped.
 */
export function factMoments(
  facts: FleetFacts,
  holdDownMs: number,
  now: number,
  spansOf: (region: string, rf: RegionFacts) => Iterable<IncidentSpan> = (_, rf) => spansIn(rf, holdDownMs),
): Moment[] {
  const moments: Moment[] = [];
  const from = facts.base ? Date.parse(facts.base.at) : Number.NEGATIVE_INFINITY;
  const add = (m: Moment) => {
    if (m.at > from && m.at <= now) moments.push(m);
  };
  // Every moment has the same shape (seq present, maybe undefined), so comparing them stays monomorphic.
  for (const [region, rf] of Object.entries(facts.regions)) {
    for (const span of spansOf(region, rf)) {
      const id = span.fact.incidentId;
      add({ at: span.openAt, kind: 'incident-open', region, id, seq: seqOf(span.openSeq) });
      if (!span.closed) continue;
      add({ at: span.closeAt, kind: 'incident-close', region, id, seq: seqOf(span.closeSeq) });
      // A hold-down that ends when the close is learned (none, or a late close) ends right after that close.
      const afterClose =
        span.release === span.closeAt ? (span.closeSeq === Number.MAX_SAFE_INTEGER ? span.closeSeq : span.closeSeq + 0.5) : undefined;
      add({ at: span.release, kind: 'hold-down-expiry', region, id, seq: afterClose });
    }
    for (const m of rf.manual) {
      const at = parseIsoMs(m.learnedAt ?? m.at);
      if (Number.isNaN(at)) continue;
      const moment: Moment = { at, kind: m.action === 'drain' ? 'manual-drain' : 'manual-restore', region, id: m.id, seq: m.seq };
      if (m.overrideGuards?.length) moment.overrides = m.overrideGuards;
      add(moment);
    }
  }
  return moments.sort(compareMoments);
}

function* spansIn(rf: RegionFacts, holdDownMs: number): Iterable<IncidentSpan> {
  for (const fact of Object.values(rf.incidents)) {
    const span = incidentSpan(fact, holdDownMs);
    if (span) yield span;
  }
}

const seqOf = (seq: number) => (seq >= 0 && seq < Number.MAX_SAFE_INTEGER ? seq : undefined);

/** Inserts a moment into a sorted queue, keeping it sorted: after every moment that does not come after it. */
export function insertMoment(queue: Moment[], moment: Moment): void {
  let low = 0;
  let high = queue.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareMoments(queue[mid]!, moment) > 0) high = mid;
    else low = mid + 1;
  }
  queue.splice(low, 0, moment);
}
