/**
 * The drain state of the fleet, as derived from the facts by {@link deriveDrains}: which regions
 * are drained, why and until when, and every drain the safety guards refused.
 */
import type { SafetyPolicy } from '../config/fleet-config.ts';
import type { FleetFacts } from './facts.ts';

/** Why a region is drained: an open alert, or an operator's manual hold. */
export type DrainCause = 'alert' | 'manual';

/** The safety guard that refused a drain. */
export type Guard = 'last-serving-region' | 'min-healthy-regions' | 'flap-budget' | 'capacity';

/** The guards an admin may override for one manual drain, with a reason (break glass). */
export const OVERRIDABLE_GUARDS = ['capacity', 'last-serving-region', 'min-healthy-regions'] as const;
/** A guard in {@link OVERRIDABLE_GUARDS}. */
export type OverridableGuard = (typeof OVERRIDABLE_GUARDS)[number];

/** A routed service and the regions it can route to right now (drained ones included). */
export interface ServiceRegions {
  name: string;
  regions: readonly string[];
}

/** The parts of the safety policy the drain model uses. */
export type DrainPolicy = Pick<SafetyPolicy, 'minHealthyRegions' | 'holdDownSeconds' | 'flapBudget'> & { ramp?: RampPolicy };

/**
 * `safety.ramp`, and since when a ramp has been configured (set by the GitOps loader, ISO): a
 * restore or a join that began before that is not ramped — turning ramps on must not take traffic
 * away from a region that already had its whole weight.
 */
export type RampPolicy = NonNullable<SafetyPolicy['ramp']> & { inForceSince?: string };

/** A restored region on its way back to its whole weight (ramped restore). */
export interface RampState {
  /** Percent of the baseline weight it gets now. */
  percent: number;
  /** ISO time it was restored. */
  since: string;
  /** ISO time the next step is due. */
  nextStepAt: string;
}

/** The state of one region at `now`. */
export interface RegionDrainState {
  region: string;
  drained: boolean;
  /** Set while drained. */
  cause?: DrainCause;
  /** ISO time the current drain began; set while drained. */
  since?: string;
  /** The guard the manual drain holding the region overrode (break glass); set while that drain holds. */
  override?: OverridableGuard;
  /** The id of the manual drain (its request id) holding the region; set while one does. */
  holdId?: string;
  /**
   * An alert drain the capacity guard applies only in part (`safety.capacity.mode: partial`): the
   * percent of its baseline weight the region keeps, and why. Set only in the rendered state.
   */
  partial?: { percent: number; reason: string };
  /** Set while a restored region ramps back (`safety.ramp`). */
  ramp?: RampState;
  /** Ids of the incidents open at `now`, sorted. */
  openIncidents: string[];
  /**
   * When an alert drain lifts: the last close plus the hold-down. Absent while an incident is
   * open, while a manual hold exists, or when the region is not drained.
   */
  restoreAt?: string;
  /** Automatic drains are refused until `until` (flap budget spent). */
  frozen?: { until: string; reason: string };
  /** Automatic drains of the region within the flap-budget window ending at `now`. */
  drainsInWindow: number;
}

/** A drain the guards refused, at the moment it was wanted. */
export interface Refusal {
  region: string;
  /** ISO time of the decision. */
  at: string;
  guard: Guard;
  reason: string;
  /** The services the drain would have left short (never-zero guards). */
  services?: string[];
  /** What asked for the drain: an alert or a manual request. */
  cause: DrainCause;
  /** The incident id (alert) or manual fact id (manual) that asked. */
  ref: string;
}

/** How many refusals the drain state keeps: the most recent ones. */
export const REFUSAL_HISTORY = 50;

/** The derived drain state of the fleet. */
export interface FleetDrainState {
  /** Every region named by the facts or by a service. */
  regions: Record<string, RegionDrainState>;
  /** The most recent {@link REFUSAL_HISTORY} refusals up to `now`, in the order they happened. */
  refusals: Refusal[];
}

/** A region's replayed state at the compaction cutoff. */
export interface RegionBase {
  drained: boolean;
  cause?: DrainCause;
  /** ISO time the drain began. */
  since?: string;
  /** Wants an alert drain the guards refused (one of its incidents is still open). */
  waiting: boolean;
  /** Automatic drains still inside the flap-budget window (ISO times). */
  autoDrains: string[];
  frozen?: { until: string; reason: string };
  /** The latest hold-down end of the folded incidents (ISO). */
  releaseAt?: string;
  /** The manual drain holding the region, while it does. */
  hold?: { id: string; at: string; by: string; reason: string };
  /** The guard that drain overrode, when it did. */
  override?: OverridableGuard;
  /** When it was last restored, while it serves (ISO): where a ramp started. */
  restoredAt?: string;
  /** How many incidents and manual actions were folded, over the whole history. */
  folded: { incidents: number; manual: number };
}

/** History folded by compaction: the replayed state at `at`, which the replay starts from. */
export interface FactsBase {
  /** ISO cutoff: every moment at or before it is folded. */
  at: string;
  regions: Record<string, RegionBase>;
  /** The most recent refusals up to the cutoff. */
  refusals: Refusal[];
  /** Ids of folded manual facts and when they were learned, kept a day so a retried request is still a duplicate. */
  foldedManual: Record<string, string>;
  /**
   * Folded incidents (`REGION ID`) and when they were learned, kept a week (Pub/Sub's longest
   * retention) so a late redelivery of an old report is still known as settled, not a new incident.
   */
  foldedIncidents: Record<string, string>;
}

/** What {@link deriveDrains} needs; all of it is required so no caller can forget a piece. */
export interface DeriveInput {
  facts: FleetFacts;
  services: readonly ServiceRegions[];
  policy: DrainPolicy;
  now: Date;
}
