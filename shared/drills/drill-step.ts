/**
 * What a running drill does next, decided from its record and the fleet's drain state at `now`.
 * Pure: the tick reads the state, asks this, and applies the answer (see advance-drills.ts).
 *
 * A drill holds its region with a manual drain. It restores the region when its time is up, or at
 * once when an incident opens in another region (the fleet may need the capacity). It never
 * restores a region with an incident of its own open or in its hold-down (a manual restore would
 * lift that alert's drain): it waits for the alert to be over. Someone else's manual drain or
 * restore of the region ends the drill without a restore of its own.
 */
import type { DrillsPolicy } from '../config/drills-config.ts';
import type { RegionDrainState } from '../failover/index.ts';
import type { DrillRecord } from './drill-record.ts';

/** What the tick observed for a drill. */
export interface DrillView {
  /** The drilled region's drain state. */
  region: RegionDrainState | undefined;
  /** Whether the region's manual hold is the drill's own (no later manual drain or restore of it). */
  heldByDrill: boolean;
  /** Open incidents of other regions, as `region/incident`. */
  otherIncidents: string[];
  /** Epoch ms until which an alert of the drilled region keeps it drained (its last close plus the hold-down). */
  alertHoldUntil?: number;
}

/** The next step of a drill. */
export type DrillStep =
  | { kind: 'wait'; why: string }
  | { kind: 'restore'; endReason?: string }
  | { kind: 'stop'; endReason: string }
  | { kind: 'full-weight' }
  | { kind: 'report'; endReason?: string };

/**
 * Decides the next step of `drill` at `now` (epoch ms). With a ramp (`rampStepSeconds`), the report
 * also waits one step past the whole weight, so the last step is measured as long as the others.
 */
export function nextDrillStep(
  drill: DrillRecord,
  view: DrillView,
  now: number,
  policy: DrillsPolicy & { rampStepSeconds?: number },
): DrillStep {
  switch (drill.state) {
    case 'draining':
      return draining(drill, view, now);
    case 'restoring': {
      if (view.region && !view.region.drained && !view.region.ramp) return { kind: 'full-weight' };
      const since = Date.parse(drill.restoreRequestedAt ?? drill.restoreDueAt);
      if (now - since >= policy.restoreTimeoutSeconds * 1000)
        return {
          kind: 'report',
          endReason: `${drill.region} did not get its whole weight back within ${policy.restoreTimeoutSeconds} s of the restore`,
        };
      return { kind: 'wait', why: view.region?.drained ? `${drill.region} is drained again (${view.region.cause})` : 'ramping back' };
    }
    case 'measuring': {
      const from = Date.parse(drill.fullWeightAt ?? drill.endedAt ?? drill.restoreRequestedAt ?? drill.restoreDueAt);
      const lastStep = drill.fullWeightAt && policy.rampStepSeconds ? policy.rampStepSeconds : 0;
      const due = from + (lastStep + policy.metricsDelaySeconds + policy.resolutionSeconds) * 1000;
      return now >= due ? { kind: 'report' } : { kind: 'wait', why: `traffic metrics are read at ${new Date(due).toISOString()}` };
    }
    default:
      return { kind: 'wait', why: `the drill has ended (${drill.state})` };
  }
}

function draining(drill: DrillRecord, view: DrillView, now: number): DrillStep {
  if (!view.heldByDrill)
    return {
      kind: 'stop',
      endReason: view.region?.drained
        ? `${drill.region} was drained by someone else during the drill: the drill left it as it is`
        : `${drill.region} was restored by someone else before the drill ended`,
    };
  const ownAlert = (view.region?.openIncidents.length ?? 0) > 0 || (view.alertHoldUntil ?? 0) > now;
  const early =
    view.otherIncidents.length > 0 ? `incident ${view.otherIncidents.join(', ')} opened during the drill: restored early` : undefined;
  if (!early && now < Date.parse(drill.restoreDueAt)) return { kind: 'wait', why: `restore due at ${drill.restoreDueAt}` };
  if (ownAlert) {
    const until =
      view.alertHoldUntil && view.alertHoldUntil > now ? ` (hold-down until ${new Date(view.alertHoldUntil).toISOString()})` : '';
    return { kind: 'wait', why: `${drill.region} has an alert of its own${until}: the restore waits for it` };
  }
  return early ? { kind: 'restore', endReason: early } : { kind: 'restore' };
}
