/**
 * What the sandbox's data plane answered, counted per whole second (epoch seconds), per cluster
 * that served the request (null when no backend was picked: the data plane's own 400 and 503
 * answers) and per response code class (200, 300, 400, 500; 100 for informational, 0 for anything
 * else). The Google double serves these counts as the load balancer's Cloud Monitoring metrics.
 * Only the last `retainSeconds` are kept: older seconds are dropped as new ones start.
 */
import { systemClock, type Clock } from '../../shared/core/clock.ts';

/** Requests answered in one second by one cluster (or by the data plane itself) with one code class. */
export interface TrafficBucket {
  /** Epoch seconds of the second. */
  second: number;
  /** The cluster the request was sent to; null when no backend was picked. */
  cluster: string | null;
  /** `response_code_class`: the status rounded down to its hundred (200 for 204). */
  codeClass: number;
  count: number;
}

/** What the data plane's proxy needs of the ledger. */
export interface TrafficRecorder {
  /** Counts one answered request, now. */
  record(cluster: string | null, status: number): void;
}

/** Options of {@link TrafficLedger}. */
export interface TrafficLedgerOptions {
  clock?: Clock;
  /** How many seconds to keep (default two hours). */
  retainSeconds?: number;
}

/** The response code class of an HTTP status, as Cloud Monitoring labels it. */
export function responseCodeClass(status: number): number {
  return Number.isInteger(status) && status >= 100 && status < 600 ? Math.floor(status / 100) * 100 : 0;
}

/** Per-second request counts of the data plane, bounded in time. */
export class TrafficLedger implements TrafficRecorder {
  private readonly clock: Clock;
  private readonly retainSeconds: number;
  /** second → cluster → code class → count. */
  private readonly seconds = new Map<number, Map<string | null, Map<number, number>>>();
  private newest = -Infinity;

  constructor(options: TrafficLedgerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.retainSeconds = options.retainSeconds ?? 7_200;
    if (!Number.isInteger(this.retainSeconds) || this.retainSeconds < 1) throw new Error('retainSeconds must be a positive integer');
  }

  record(cluster: string | null, status: number): void {
    const second = Math.floor(this.clock.now().getTime() / 1000);
    if (second > this.newest) {
      this.newest = second;
      this.prune();
    }
    if (second <= this.newest - this.retainSeconds) return;
    const clusters = this.seconds.get(second) ?? new Map<string | null, Map<number, number>>();
    this.seconds.set(second, clusters);
    const classes = clusters.get(cluster) ?? new Map<number, number>();
    clusters.set(cluster, classes);
    const codeClass = responseCodeClass(status);
    classes.set(codeClass, (classes.get(codeClass) ?? 0) + 1);
  }

  /** The buckets of the seconds that start in [fromMs, toMs), oldest first. */
  read(fromMs: number, toMs: number): TrafficBucket[] {
    const out: TrafficBucket[] = [];
    for (const [second, clusters] of this.seconds) {
      if (second * 1000 < fromMs || second * 1000 >= toMs) continue;
      for (const [cluster, classes] of clusters) {
        for (const [codeClass, count] of classes) out.push({ second, cluster, codeClass, count });
      }
    }
    return out.sort((a, b) => a.second - b.second || (a.cluster ?? '').localeCompare(b.cluster ?? '') || a.codeClass - b.codeClass);
  }

  /** How many seconds hold counts (for tests of the bound). */
  size(): number {
    return this.seconds.size;
  }

  private prune(): void {
    for (const second of this.seconds.keys()) if (second <= this.newest - this.retainSeconds) this.seconds.delete(second);
  }
}
