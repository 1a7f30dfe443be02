/**
 * A region's incidents walked forward through the replay: which are open, and when the latest
 * hold-down ends, at each position. The replay asks these questions at every moment; answering
 * them by scanning every incident made a derivation quadratic in the history (about a minute for
 * 10,000 facts). The cursor parses each incident once and moves two pointers instead, so a whole
 * replay costs one pass over the history.
 */
import type { IncidentFact, RegionFacts } from './facts.ts';
import { closedBy, incidentSpan, openedBy, type IncidentSpan, type Position } from './timeline.ts';

/** A region's incidents that have a time, with their spans, each parsed once. */
export function regionSpans(rf: RegionFacts, holdDownMs: number): IncidentSpan[] {
  const spanned: IncidentSpan[] = [];
  for (const fact of Object.values(rf.incidents)) {
    const span = incidentSpan(fact, holdDownMs);
    if (span) spanned.push(span);
  }
  return spanned;
}

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const comparePositions = (a: Position, b: Position) => a.at - b.at || a.seq - b.seq;

/** Open incidents and the latest release of one region, for positions asked in non-decreasing order. */
export class IncidentCursor {
  private readonly opens: IncidentSpan[];
  private readonly closes: IncidentSpan[];
  private nextOpen = 0;
  private nextClose = 0;
  /** Insertion order is open order (time, learned order, id): what "oldest learned first" means. */
  private readonly open = new Map<string, IncidentFact>();
  private release: number | undefined;
  private last: Position | undefined;

  constructor(spanned: readonly IncidentSpan[]) {
    this.opens = [...spanned].sort(
      (a, b) => a.openAt - b.openAt || a.openSeq - b.openSeq || compareText(a.fact.incidentId, b.fact.incidentId),
    );
    this.closes = spanned.filter((s) => s.closed).sort((a, b) => a.closeAt - b.closeAt || a.closeSeq - b.closeSeq);
  }

  /** The incidents open at `p` (learned at or before it, close not learned at or before it), oldest learned first. */
  openAt(p: Position): IncidentFact[] {
    this.advance(p);
    return [...this.open.values()];
  }

  /** The oldest open incident at `p`, if any. */
  firstOpenAt(p: Position): IncidentFact | undefined {
    this.advance(p);
    return this.open.values().next().value;
  }

  /** Whether any incident is open at `p`. */
  anyOpenAt(p: Position): boolean {
    this.advance(p);
    return this.open.size > 0;
  }

  /** Whether this incident is open at `p`. */
  isOpenAt(p: Position, incidentId: string): boolean {
    this.advance(p);
    return this.open.has(incidentId);
  }

  /** The latest hold-down end of the incidents whose close was learned at or before `p`. */
  releaseAt(p: Position): number | undefined {
    this.advance(p);
    return this.release;
  }

  private advance(p: Position): void {
    // The replay only moves forward; a question about an earlier position starts the walk again.
    if (this.last !== undefined && comparePositions(p, this.last) < 0) this.reset();
    this.last = p;
    for (; this.nextOpen < this.opens.length && openedBy(this.opens[this.nextOpen]!, p); this.nextOpen++) {
      const span = this.opens[this.nextOpen]!;
      // A close learned before its open (odd, but possible in old data) leaves it never open.
      if (!closedBy(span, p)) this.open.set(span.fact.incidentId, span.fact);
    }
    for (; this.nextClose < this.closes.length && closedBy(this.closes[this.nextClose]!, p); this.nextClose++) {
      const span = this.closes[this.nextClose]!;
      this.open.delete(span.fact.incidentId);
      if (this.release === undefined || span.release > this.release) this.release = span.release;
    }
  }

  private reset(): void {
    this.nextOpen = 0;
    this.nextClose = 0;
    this.open.clear();
    this.release = undefined;
  }
}
