/**
 * A drill's report, measured from the traffic the load balancer saw (Cloud Monitoring; in the
 * sandbox, the data plane's counts): how long the region took to stop receiving traffic after the
 * drain was asked for, how long it took to get traffic again and its share back after the restore,
 * the share the drain moved, and the errors seen. Every measured time is an upper bound at the
 * samples' resolution. Pure: the samples are read by the caller.
 */
import type { TrafficSample } from '../adapters/traffic-metrics.ts';

/** Requests and 5xx answers in one part of the drill. */
export interface WindowCounts {
  requests: number;
  /** Requests served by the drilled region. */
  toRegion: number;
  errors: number;
}

/** What a drill measured. */
export interface DrillReport {
  resolutionSeconds: number;
  /** Drain asked for → the end of the last sample in which the region still served (null: not measured, see notes). */
  timeToDrainMs: number | null;
  /** Restore asked for → the end of the first sample in which the region served again. */
  timeToFirstTrafficMs: number | null;
  /** Restore asked for → the end of the first sample in which the region had 90% of its share from before the drill. */
  timeToRestoreMs: number | null;
  /** Restore asked for → the routes gave the region its whole weight again (the end of the ramp). */
  timeToFullWeightMs: number | null;
  /** The region's share of the requests served before the drill: the share the drain moved. */
  shareMoved: number | null;
  /**
   * With `safety.ramp`: each step's percent of the weight and the region's share of the requests in
   * that step (null when no whole sample fell inside it), the data plane's view of the ramp.
   */
  ramp?: { percent: number; share: number | null; requests: number }[];
  /** Before the drain (as long a window as the drill), while drained, and from the restore on. */
  before: WindowCounts;
  drained: WindowCounts;
  after: WindowCounts;
  samples: number;
  /** What could not be measured, and why. */
  notes: string[];
}

/** The moments a report is measured between (epoch ms). */
export interface DrillTimes {
  region: string;
  requestedAt: number;
  /** When the drill stopped holding the region: its restore, or when it was ended by someone else. */
  stoppedAt: number;
  restoreRequestedAt?: number;
  fullWeightAt?: number;
  /** The end of the data read. */
  until: number;
  durationMs: number;
  /** The ramp the restore went through (`safety.ramp`), counted from the restore. */
  ramp?: { steps: readonly number[]; stepSeconds: number };
}

/** Share of the before-drill share the region must have again for {@link DrillReport.timeToRestoreMs}. */
export const RESTORED_SHARE = 0.9;

const end = (s: TrafficSample) => s.end.getTime();
const start = (s: TrafficSample) => s.start.getTime();

/** Measures the report from `samples` (any order) of `resolutionSeconds` each. */
export function measureDrill(times: DrillTimes, samples: readonly TrafficSample[], resolutionSeconds: number): DrillReport {
  const sorted = [...samples].sort((a, b) => start(a) - start(b));
  const served = (s: TrafficSample) => s.byRegion[times.region] ?? 0;
  const beforeFrom = times.requestedAt - Math.max(times.durationMs, resolutionSeconds * 1000);
  const before = sorted.filter((s) => end(s) > beforeFrom && end(s) <= times.requestedAt);
  // Every sample after the drain request belongs to one part: by where it ends.
  const drained = sorted.filter((s) => end(s) > times.requestedAt && end(s) <= times.stoppedAt);
  const after = sorted.filter((s) => end(s) > times.stoppedAt && start(s) < times.until);
  const notes: string[] = [];

  const counts = (part: readonly TrafficSample[]): WindowCounts => ({
    requests: sum(part, (s) => s.requests),
    toRegion: sum(part, served),
    errors: sum(part, (s) => s.errors),
  });
  const backendTotal = (part: readonly TrafficSample[]) => sum(part, (s) => sum(Object.values(s.byRegion), (n) => n));
  const beforeTotal = backendTotal(before);
  const shareMoved = beforeTotal > 0 ? round(sum(before, served) / beforeTotal) : null;
  if (shareMoved === null) notes.push(`no traffic was measured in the ${seconds(times.requestedAt - beforeFrom)} before the drill`);
  else if (shareMoved === 0) notes.push(`${times.region} served no traffic before the drill: nothing to move`);

  let timeToDrainMs: number | null = null;
  if (shareMoved) {
    const lastServing = drained.filter((s) => served(s) > 0).at(-1);
    const lastSample = drained.at(-1);
    if (!lastServing) timeToDrainMs = Math.max(0, (drained[0] ? end(drained[0]) : times.requestedAt) - times.requestedAt);
    else if (lastSample && lastServing === lastSample && end(lastSample) > times.stoppedAt - resolutionSeconds * 1000)
      notes.push(`${times.region} still served until the drill stopped holding it: time to drain not measured`);
    else timeToDrainMs = end(lastServing) - times.requestedAt;
  }

  const from = times.restoreRequestedAt;
  let timeToFirstTrafficMs: number | null = null;
  let timeToRestoreMs: number | null = null;
  if (from !== undefined) {
    const since = sorted.filter((s) => end(s) > from && start(s) < times.until);
    const first = since.find((s) => served(s) > 0);
    if (first) timeToFirstTrafficMs = end(first) - from;
    else notes.push(`${times.region} received no traffic after the restore, up to ${new Date(times.until).toISOString()}`);
    if (shareMoved) {
      const back = since.find((s) => shareOf(s, times.region) >= shareMoved * RESTORED_SHARE);
      if (back) timeToRestoreMs = end(back) - from;
      else if (first) notes.push(`${times.region} did not get ${Math.round(RESTORED_SHARE * 100)}% of its share back in the samples read`);
    }
  } else notes.push('the drill did not restore the region: times to restore not measured');
  const timeToFullWeightMs = from !== undefined && times.fullWeightAt !== undefined ? times.fullWeightAt - from : null;

  const ramp =
    from !== undefined && times.ramp ? rampShares(sorted, times.region, from, times.until, times.ramp, resolutionSeconds) : undefined;

  return {
    resolutionSeconds,
    ...(ramp ? { ramp } : {}),
    timeToDrainMs,
    timeToFirstTrafficMs,
    timeToRestoreMs,
    timeToFullWeightMs,
    shareMoved,
    before: counts(before),
    drained: counts(drained),
    after: counts(after),
    samples: sorted.length,
    notes,
  };
}

/** Human lines for a report (the demo, Slack and the operation's plan print them). */
export function describeReport(region: string, report: DrillReport): string[] {
  const ms = (v: number | null) => (v === null ? 'not measured' : `${(v / 1000).toFixed(1)} s`);
  const share = report.shareMoved === null ? 'not measured' : `${Math.round(report.shareMoved * 1000) / 10}%`;
  return [
    `share of traffic moved off ${region}: ${share}`,
    `time to drain (until ${region} served no more requests): ${ms(report.timeToDrainMs)}`,
    `time to first traffic after the restore: ${ms(report.timeToFirstTrafficMs)}`,
    `time to restore (${Math.round(RESTORED_SHARE * 100)}% of its share back): ${ms(report.timeToRestoreMs)}`,
    `time to whole weight (routes, end of the ramp): ${ms(report.timeToFullWeightMs)}`,
    `requests before / while drained / after: ${report.before.requests} / ${report.drained.requests} / ${report.after.requests}; served by ${region} while drained: ${report.drained.toRegion}`,
    `5xx answers before / while drained / after: ${report.before.errors} / ${report.drained.errors} / ${report.after.errors}`,
    `measured at ${report.resolutionSeconds} s resolution from ${report.samples} samples`,
    ...(report.ramp
      ? [
          `ramp (percent of its weight → its share of requests): ${report.ramp.map((r) => `${r.percent}% → ${r.share === null ? 'no sample' : `${Math.round(r.share * 1000) / 10}%`}`).join(', ')}`,
        ]
      : []),
    ...report.notes.map((n) => `note: ${n}`),
  ];
}

/**
 * The region's share in each ramp step, from the whole samples in the step's second half (at least
 * one sample in): a step is written by the render that follows its time, so its first part may
 * still carry the step before.
 */
function rampShares(
  sorted: readonly TrafficSample[],
  region: string,
  from: number,
  until: number,
  ramp: { steps: readonly number[]; stepSeconds: number },
  resolutionSeconds: number,
): NonNullable<DrillReport['ramp']> {
  const stepMs = ramp.stepSeconds * 1000;
  return ramp.steps.map((percent, i) => {
    const lo = from + i * stepMs + Math.max(resolutionSeconds * 1000, stepMs / 2);
    const hi = Math.min(until, from + (i + 1) * stepMs);
    const inside = sorted.filter((s) => start(s) >= lo && end(s) <= hi);
    const total = sum(inside, (s) => sum(Object.values(s.byRegion), (n) => n));
    return { percent, share: total > 0 ? round(sum(inside, (s) => s.byRegion[region] ?? 0) / total) : null, requests: total };
  });
}

function shareOf(s: TrafficSample, region: string): number {
  const total = sum(Object.values(s.byRegion), (n) => n);
  return total > 0 ? (s.byRegion[region] ?? 0) / total : 0;
}

function sum<T>(items: readonly T[], of: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += of(item);
  return total;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
