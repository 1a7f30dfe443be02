/**
 * The capacity guard (pure): can a service's other serving regions run what it serves now if one
 * region is drained? Demand is the ready replicas of its Deployments in the serving regions (the
 * drained one included); what the survivors can run is their maximum (HPA `maxReplicas`, else the
 * Deployment's replicas) less the headroom. A service whose Deployments were not found is not
 * guarded.
 */
import { REFUSAL_HISTORY, type FleetDrainState, type ServiceRegions } from './drain-state.ts';
import type { GuardRefusal } from './guards.ts';
import { partialDrain } from './capacity-partial.ts';

/** One region's replicas for one service, summed over its clusters. */
export interface RegionCapacity {
  ready: number;
  max: number;
}

/** By service name, by region: only services with a Deployment found somewhere. */
export type FleetCapacity = Record<string, Record<string, RegionCapacity>>;

/** Each service's numbers, one entry per service: `store: asia-northeast1 ready 2, max 3; …`. */
export function describeCapacity(capacity: FleetCapacity): string[] {
  return Object.entries(capacity).map(
    ([svc, regions]) =>
      `${svc}: ${Object.entries(regions)
        .map(([r, c]) => `${r} ready ${c.ready}, max ${c.max}`)
        .join('; ')}`,
  );
}

/** Why draining `region` is refused for capacity, or undefined when every service's survivors can take its demand. */
export function capacityRefusal(
  region: string,
  drained: ReadonlySet<string>,
  services: readonly { name: string; regions: readonly string[] }[],
  capacity: FleetCapacity,
  headroomPercent: number,
): GuardRefusal | undefined {
  const short: { name: string; text: string }[] = [];
  for (const service of services) {
    const known = capacity[service.name];
    if (!known || !service.regions.includes(region)) continue;
    const serving = service.regions.filter((r) => r === region || !drained.has(r));
    const survivors = serving.filter((r) => r !== region);
    const of = (r: string) => known[r] ?? { ready: 0, max: 0 };
    const demand = serving.reduce((n, r) => n + of(r).ready, 0);
    const max = survivors.reduce((n, r) => n + of(r).max, 0);
    const usable = Math.floor((max * (100 - headroomPercent)) / 10) / 10;
    if (demand <= usable) continue;
    const parts = serving.map((r) => `${r} ${of(r).ready}`).join(' + ');
    const room = survivors.map((r) => `${r} max ${of(r).max}`).join(', ') || 'no other serving region';
    short.push({
      name: service.name,
      text: `${service.name} runs ${demand} ready replicas (${parts}) and the other regions can run ${usable} (${room}, less ${headroomPercent}% headroom)`,
    });
  }
  if (short.length === 0) return undefined;
  return {
    guard: 'capacity',
    reason: `draining ${region} would overload the other regions: ${short.map((s) => s.text).join('; ')}`,
    services: short.map((s) => s.name),
  };
}

/**
 * The drain state the routes get: an alert drain that was not applied before (`applied`: the
 * regions drained in the last rendered state) waits while {@link capacityRefusal} refuses it —
 * the region keeps serving and the refusal is recorded — and applies at the first render the
 * numbers allow. A drain already applied is never taken back for capacity (its region's replicas
 * scale down once it is drained). Regions are judged in name order, each with those before it.
 * With `partial` (and the percents kept at the last render), a region the others cannot take whole
 * keeps the percent of its weight {@link partialDrain} says instead, and no refusal is recorded
 * unless nothing can move.
 */
export function holdForCapacity(
  state: FleetDrainState,
  applied: ReadonlySet<string>,
  services: readonly ServiceRegions[],
  capacity: FleetCapacity,
  headroomPercent: number,
  now: Date,
  partial?: { previous: ReadonlyMap<string, number> },
): FleetDrainState {
  const regions = { ...state.regions };
  const refusals = [...state.refusals];
  const drained = new Set(
    Object.values(regions)
      .filter((r) => r.drained)
      .map((r) => r.region),
  );
  const fresh = Object.values(regions)
    .filter((r) => r.drained && r.cause === 'alert' && !applied.has(r.region))
    .map((r) => r.region)
    .sort();
  for (const region of fresh) {
    drained.delete(region);
    const refusal = capacityRefusal(region, drained, services, capacity, headroomPercent);
    if (!refusal) {
      drained.add(region);
      continue;
    }
    const r = regions[region]!;
    // Partial mode: the region keeps only what the others cannot take (all of it when they can take nothing).
    const part = partial ? partialDrain(region, drained, services, capacity, headroomPercent, partial.previous.get(region)) : undefined;
    regions[region] = {
      region,
      drained: false,
      openIncidents: r.openIncidents,
      drainsInWindow: r.drainsInWindow,
      ...(r.frozen ? { frozen: r.frozen } : {}),
      ...(part && part.percent < 100 ? { partial: { percent: part.percent, reason: part.reason } } : {}),
    };
    if (part && part.percent < 100) continue;
    refusals.push({
      region,
      at: now.toISOString(),
      guard: 'capacity',
      reason: refusal.reason,
      services: refusal.services ?? [],
      cause: 'alert',
      ref: r.openIncidents[0] ?? '',
    });
  }
  return { regions, refusals: refusals.slice(-REFUSAL_HISTORY) };
}
