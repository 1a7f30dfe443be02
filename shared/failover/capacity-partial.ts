/**
 * Partial drains (`safety.capacity.mode: partial`, pure): when the other serving regions cannot run
 * all of a region's load, it moves only what they can take. For each service, the others have room
 * for their usable maximum (less the headroom) minus the ready replicas they run; that room, over
 * the region's ready replicas, is the fraction of the region's load that moves. The region keeps
 * the rest as a percent of its weight (rounded up, and never less than the share it keeps — a
 * smaller weight keeps a larger share of the traffic than of the weight), the largest percent any
 * of its services needs.
 *
 * The percent only ever falls while the drain stays partial (`previous`): once load has moved, the
 * others run more replicas and the region fewer, and the same arithmetic would hand the load back;
 * it falls further as the others' maximums grow, and the drain completes when they can run it all.
 */
import type { FleetCapacity } from './capacity-guard.ts';
import type { ServiceRegions } from './drain-state.ts';

/** What a partially drained region keeps. */
export interface PartialDrain {
  /** Percent of its baseline weight it keeps (1–100; 100 moves nothing). */
  percent: number;
  reason: string;
}

/** How much of its weight `region` keeps so that no service's other serving regions get more than they can run. */
export function partialDrain(
  region: string,
  drained: ReadonlySet<string>,
  services: readonly ServiceRegions[],
  capacity: FleetCapacity,
  headroomPercent: number,
  previous?: number,
): PartialDrain | undefined {
  let percent = 0;
  const parts: string[] = [];
  for (const service of services) {
    const known = capacity[service.name];
    if (!known || !service.regions.includes(region)) continue;
    const survivors = service.regions.filter((r) => r !== region && !drained.has(r));
    const of = (r: string) => known[r] ?? { ready: 0, max: 0 };
    const own = of(region).ready;
    const running = survivors.reduce((n, r) => n + of(r).ready, 0);
    // Tenths, rounded down as the refusal's numbers are: the room is what the reason says.
    const usable = Math.floor((survivors.reduce((n, r) => n + of(r).max, 0) * (100 - headroomPercent)) / 10) / 10;
    if (own === 0 || running + own <= usable) continue;
    const room = Math.max(0, Math.round((usable - running) * 10) / 10);
    const moves = Math.min(1, room / own);
    percent = Math.max(percent, Math.min(100, Math.max(1, Math.ceil((1 - moves) * 100))));
    parts.push(
      `${service.name}: the other regions run ${running} ready replicas and can run ${usable}, room for ${room} of ${region}'s ${own}`,
    );
  }
  if (parts.length === 0) return undefined;
  return { percent: previous === undefined ? percent : Math.min(previous, percent), reason: parts.join('; ') };
}
