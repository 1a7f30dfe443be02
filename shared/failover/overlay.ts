/** Reading a derived drain state: the drained regions the route renderer needs, and what changed between two states. */
import type { DrainOverlay, ObservedCluster } from '../routing/index.ts';
import type { DrainPolicy, FleetDrainState } from './drain-state.ts';
import { joinRamps } from './ramp.ts';

/** The drained regions of a state. */
export function drainedRegions(state: FleetDrainState): Set<string> {
  return new Set(
    Object.values(state.regions)
      .filter((r) => r.drained)
      .map((r) => r.region),
  );
}

/**
 * The overlay {@link renderHttpRoute} applies for a state; with `joins`, regions whose first
 * cluster was onboarded within the ramp ramp in too (the lower percent when both apply).
 */
export function drainOverlay(
  state: FleetDrainState,
  pinnedPathsOnDrain: DrainOverlay['pinnedPathsOnDrain'],
  joins?: { clusters: readonly ObservedCluster[]; ramp: DrainPolicy['ramp']; now: Date },
): DrainOverlay {
  const overridden = new Set(
    Object.values(state.regions)
      .filter((r) => r.drained && r.override)
      .map((r) => r.region),
  );
  const ramp = new Map(
    Object.values(state.regions)
      .filter((r) => r.ramp !== undefined)
      .map((r) => [r.region, r.ramp!.percent]),
  );
  for (const [region, percent] of joins ? joinRamps(joins.clusters, joins.ramp, joins.now) : [])
    ramp.set(region, Math.min(percent, ramp.get(region) ?? 100));
  // A partial drain keeps a percent of the weight, as a ramp step does.
  for (const r of Object.values(state.regions)) if (r.partial) ramp.set(r.region, Math.min(r.partial.percent, ramp.get(r.region) ?? 100));
  return {
    drained: drainedRegions(state),
    pinnedPathsOnDrain,
    ...(overridden.size > 0 ? { overridden } : {}),
    ...(ramp.size > 0 ? { ramp } : {}),
  };
}

/** Regions drained and restored going from `before` to `after`, each sorted. */
export function drainDiff(before: FleetDrainState, after: FleetDrainState): { drained: string[]; restored: string[] } {
  const was = drainedRegions(before);
  const is = drainedRegions(after);
  return {
    drained: [...is].filter((r) => !was.has(r)).sort(),
    restored: [...was].filter((r) => !is.has(r)).sort(),
  };
}
