/**
 * Regional failover: map incidents to regions, record what happened as commutative facts, and
 * derive the drain state (with its safety guards) by replaying the facts in time order.
 */
export { deriveDrains, replayDrains } from './derive.ts';
export type {
  DeriveInput,
  DrainCause,
  DrainPolicy,
  FleetDrainState,
  Guard,
  Refusal,
  RegionDrainState,
  ServiceRegions,
  FactsBase,
  RegionBase,
  OverridableGuard,
} from './drain-state.ts';
export { OVERRIDABLE_GUARDS, REFUSAL_HISTORY } from './drain-state.ts';
export { compareManual, factRegions, factsFromDocument, mergeIncident, mergeManual, NO_FACTS, regionFacts } from './facts.ts';
export { compactFacts, FOLDED_MANUAL_ID_MS } from './compact.ts';
export type { FleetFacts, IncidentFact, ManualFact, MergeResult, RegionFacts } from './facts.ts';
export { flapFreeze, neverZeroRefusal, recentDrains } from './guards.ts';
export type { FlapBudget, GuardRefusal } from './guards.ts';
export { REGION_SOURCES, mapIncidentToRegion } from './map-region.ts';
export type { IncidentLabels, RegionMapping } from './map-region.ts';
export { drainDiff, drainOverlay, drainedRegions } from './overlay.ts';
export { compareMoments } from './timeline.ts';
export type { Moment, MomentKind } from './timeline.ts';
export {
  checkpointFactLog,
  compactStoredFacts,
  FACT_RETENTION_MS,
  readFacts,
  readFactsWithLog,
  recordFact,
  readDrainSnapshot,
  writeDrainSnapshot,
} from './drain-store.ts';
export { FACT_LOG, incidentEntry, manualEntry, type FactLogEntry } from './fact-log.ts';
export { capacityRefusal, describeCapacity, holdForCapacity, type FleetCapacity, type RegionCapacity } from './capacity-guard.ts';
export { partialDrain, type PartialDrain } from './capacity-partial.ts';
export type { IncidentEvent } from './incident.ts';
