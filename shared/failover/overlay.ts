/** Reading a derived drain state: the drained regions the route renderer needs, and what changed between two states. */
import type { DrainOverlay } from '../routing/index.ts';
import type { FleetDrainState } from './drain-state.ts';

/** The drained regions of a state. */
export function drainedRegions(state: FleetDrainState): Set<string> {
  return new Set(
    Object.values(state.regions)
      .filter((r) => r.drained)
      .map((r) => r.region),
  );
}

/** The overlay {@link renderHttpRoute} applies for a state. */
export function drainOverlay(state: FleetDrainState, pinnedPathsOnDrain: DrainOverlay['pinnedPathsOnDrain']): DrainOverlay {
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
