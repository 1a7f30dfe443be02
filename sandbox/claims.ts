/**
 * Claims the sandbox's drill and demos print and check. Whatever the main job tells its reader
 * ("1000 requests → mc-gw-tokyo 1000", "refused by last-serving-region") is checked against the
 * observed numbers, so a run whose output would mislead fails instead of passing quietly. A failed
 * claim is printed at once and the run goes on (closing its alerts, so the fleet heals);
 * {@link Claims.verify} then throws one error naming every failed claim and what was observed.
 */
import type { TrafficResult } from './data-plane/traffic.ts';

/** Thrown by {@link Claims.verify}: every failed claim with its observation. */
export class ClaimsFailed extends Error {
  override readonly name = 'ClaimsFailed';
  constructor(
    readonly subject: string,
    readonly failures: readonly string[],
  ) {
    super(`${subject}: ${failures.length} claim(s) failed:\n  - ${failures.join('\n  - ')}`);
  }
}

/** A list of checked claims about one run. */
export class Claims {
  private readonly failures: string[] = [];
  private checked = 0;

  constructor(
    private readonly subject: string,
    private readonly print: (line: string) => void,
  ) {}

  /** Records `claim` as holding when `holds`; otherwise prints it with `observed`. Returns `holds`. */
  check(claim: string, holds: boolean, observed: string): boolean {
    this.checked++;
    if (!holds) {
      this.failures.push(`${claim} — observed: ${observed}`);
      this.print(`  CLAIM FAILED: ${claim} — observed: ${observed}`);
    }
    return holds;
  }

  /** Prints how many claims were checked; throws {@link ClaimsFailed} when any failed. */
  verify(): void {
    if (this.failures.length > 0) throw new ClaimsFailed(this.subject, this.failures);
    this.print(`  ${this.subject}: all ${this.checked} claims checked hold`);
  }
}

/** `1000 requests → mc-gw-tokyo 497, mc-gw-osaka 503, 0 errors`; failed answers by status (`1 errors (502: 1)`). */
export function describeTraffic(t: TrafficResult): string {
  const answers = Object.entries(t.byCluster).map(([c, n]) => `${c} ${n}`);
  const failed = Object.entries(t.statuses).filter(([status]) => !/^2\d\d$/.test(status));
  const errors = `${t.errors} errors${failed.length > 0 ? ` (${failed.map(([s, n]) => `${s}: ${n}`).join(', ')})` : ''}`;
  return `${t.total} requests → ${[...answers, errors].join(', ')}`;
}

/** Every one of `count` requests got a 2xx answer from `cluster`. */
export function allAnsweredBy(t: TrafficResult, count: number, cluster: string): boolean {
  return t.total === count && t.errors === 0 && t.byCluster[cluster] === count;
}

/**
 * Every one of `count` requests got a 2xx answer from a cluster in `shares` (cluster → expected
 * fraction), and each cluster's fraction is within `tolerance` of its expected one.
 */
export function spreadAsExpected(t: TrafficResult, count: number, shares: Record<string, number>, tolerance = 0.1): boolean {
  const answered = Object.keys(shares).reduce((sum, c) => sum + (t.byCluster[c] ?? 0), 0);
  if (t.total !== count || t.errors !== 0 || answered !== count) return false;
  return Object.entries(shares).every(([c, share]) => Math.abs((t.byCluster[c] ?? 0) / count - share) <= tolerance);
}
