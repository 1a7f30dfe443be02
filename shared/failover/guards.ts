/**
 * The safety guards a drain must pass, evaluated against the state at the moment of the drain:
 * never leave a service without a serving region (or below the minimum), and never drain one
 * region automatically more often than the flap budget allows.
 */
import type { Guard, ServiceRegions } from './drain-state.ts';

/** Why a guard refuses a drain. */
export interface GuardRefusal {
  guard: Guard;
  reason: string;
  services?: string[];
}

/**
 * Refuses draining `region` when any service routed to it would keep fewer than
 * `max(1, minHealthyRegions)` serving regions (its regions, minus those drained, minus this one).
 * The guard is `last-serving-region` when some service would keep none, else `min-healthy-regions`.
 */
export function neverZeroRefusal(
  region: string,
  drained: ReadonlySet<string>,
  services: readonly ServiceRegions[],
  minHealthyRegions: number,
): GuardRefusal | undefined {
  const required = Math.max(1, minHealthyRegions);
  const short: { name: string; left: number }[] = [];
  for (const service of services) {
    const regions = new Set(service.regions);
    if (!regions.has(region)) continue;
    const left = [...regions].filter((r) => r !== region && !drained.has(r)).length;
    if (left < required) short.push({ name: service.name, left });
  }
  if (short.length === 0) return undefined;
  short.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const phrases = short.map(({ name, left }) =>
    left === 0 ? `${name} with no serving region` : `${name} with ${left} serving region${left === 1 ? '' : 's'}`,
  );
  return {
    guard: short.some((s) => s.left === 0) ? 'last-serving-region' : 'min-healthy-regions',
    reason: `draining ${region} would leave ${phrases.join(', ')}${required > 1 ? ` (minimum ${required})` : ''}`,
    services: short.map((s) => s.name),
  };
}

/** The flap budget of the safety policy. */
export interface FlapBudget {
  maxDrains: number;
  windowSeconds: number;
}

/**
 * When the automatic drains `drains` (epoch ms) within the window ending at `t` — the interval
 * (t − window, t] — already number `maxDrains`, how many there are and when the window allows a
 * drain again (when enough of them have aged out). Undefined when a drain is allowed now.
 */
export function flapFreeze(drains: readonly number[], t: number, budget: FlapBudget): { until: number; count: number } | undefined {
  return flapFreezeOfRecent(recentDrains(drains, t, budget.windowSeconds), budget);
}

/** {@link flapFreeze} for drains already within the window and sorted (what the replay keeps): no copy, no sort. */
export function flapFreezeOfRecent(recent: readonly number[], budget: FlapBudget): { until: number; count: number } | undefined {
  if (recent.length < budget.maxDrains) return undefined;
  return { until: recent[recent.length - budget.maxDrains]! + budget.windowSeconds * 1000, count: recent.length };
}

/** The drains within the window (t − window, t], ascending. */
export function recentDrains(drains: readonly number[], t: number, windowSeconds: number): number[] {
  const from = t - windowSeconds * 1000;
  return drains.filter((d) => d > from && d <= t).sort((a, b) => a - b);
}
