/**
 * Reading a derived drain state: the drained regions the route renderer needs, what changed
 * between two states, and when the state next changes on its own (for a scheduled tick).
 */
import type { DrainOverlay } from '../routing/index.ts';
import type { FleetDrainState, Refusal } from './drain-state.ts';

/** The drained regions of a state. */
export function drainedRegions(state: FleetDrainState): Set<string> {
  return new Set(Object.values(state.regions).filter((r) => r.drained).map((r) => r.region));
}

/** The overlay {@link renderHttpRoute} applies for a state. */
export function drainOverlay(state: FleetDrainState, pinnedPathsOnDrain: DrainOverlay['pinnedPathsOnDrain']): DrainOverlay {
  return { drained: drainedRegions(state), pinnedPathsOnDrain };
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

const refusalKey = (r: Refusal) => JSON.stringify([r.region, r.at, r.guard, r.cause, r.ref, r.reason]);

/** Refusals in `after` that `before` did not have (what to report for the event just processed). */
export function newRefusals(before: FleetDrainState, after: FleetDrainState): Refusal[] {
  const known = new Set(before.refusals.map(refusalKey));
  return after.refusals.filter((r) => !known.has(refusalKey(r)));
}

/**
 * The earliest time the state changes without a new event: an alert drain lifting after its
 * hold-down, or a freeze ending. Schedule a tick then; undefined when nothing is due.
 */
export function nextChangeAt(state: FleetDrainState): string | undefined {
  const times = Object.values(state.regions).flatMap((r) => [r.restoreAt, r.frozen?.until].filter((t): t is string => t !== undefined));
  return times.sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}
