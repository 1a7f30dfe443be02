/**
 * Per-region readiness of a routed service: which clusters serve each region and whether the
 * region's ServiceImport exists on the config cluster. Independent of the order of the observation.
 */
import type { ServiceConfig } from '../config/fleet-config.ts';
import { clusterKey, clusterRegion } from './cluster-region.ts';
import { importKey, regionalServiceName } from './names.ts';
import type { ObservedCluster, RoutingObservation } from './observation.ts';

/** One region as the route renderer sees it. */
export interface RegionState {
  region: string;
  /** Serving clusters of the region, sorted by name. */
  serving: string[];
  /** Leaving clusters of the region, sorted by name. */
  leaving: string[];
  /** Name of the regional Service/ServiceImport, e.g. `store-asia-northeast1`. */
  importName: string;
  /** `namespace/importName`. */
  importKey: string;
  importPresent: boolean;
  /** Configured weight: `regionWeights[region] ?? defaultWeight`. */
  weight: number;
  /** Has a serving cluster and its ServiceImport exists. */
  ready: boolean;
}

/**
 * The phase of each observed cluster by name. A cluster listed twice is `leaving` if any entry
 * says so (leaving is the safe reading), so the result does not depend on order.
 */
export function clusterPhases(clusters: readonly ObservedCluster[]): Map<string, ObservedCluster['phase']> {
  const phases = new Map<string, ObservedCluster['phase']>();
  for (const c of clusters) {
    if (phases.get(c.name) !== 'leaving') phases.set(c.name, c.phase);
  }
  return phases;
}

/** One cluster (by location and name) in its region, with its phase. */
export interface PlacedObservedCluster {
  name: string;
  location: string;
  region: string;
  phase: ObservedCluster['phase'];
}

/** Where the observed clusters are: each in its region, or not placed and why. */
export interface ClusterPlacement {
  /** Sorted by region, name and location. */
  placed: PlacedObservedCluster[];
  /** A location and name observed in more than one region (inconsistent records); sorted like `placed`. */
  unplaced: { name: string; location: string; reason: string }[];
}

/**
 * Places each observed cluster, known by its location and name (GKE makes names unique only per
 * location), in its region with {@link clusterRegion}. A cluster listed twice counts once, and is
 * `leaving` if any entry says so. Independent of the order of the observation.
 */
export function placeClusters(clusters: readonly ObservedCluster[]): ClusterPlacement {
  const phases = new Map<string, ObservedCluster['phase']>();
  const keys = new Map<string, { name: string; location: string }>();
  for (const c of clusters) {
    const key = clusterKey(c);
    keys.set(key, { name: c.name, location: c.location });
    if (phases.get(key) !== 'leaving') phases.set(key, c.phase);
  }
  const placement: ClusterPlacement = { placed: [], unplaced: [] };
  for (const [key, { name, location }] of keys) {
    const found = clusterRegion(clusters, name, location);
    if (found.ok) placement.placed.push({ name, location, region: found.region, phase: phases.get(key)! });
    else placement.unplaced.push({ name, location, reason: found.reason });
  }
  const order = (a: { name: string; location: string; region?: string }, b: typeof a) =>
    compareText(a.region ?? '', b.region ?? '') || compareText(a.name, b.name) || compareText(a.location, b.location);
  placement.placed.sort(order);
  placement.unplaced.sort(order);
  return placement;
}

/** Every region known from the observed clusters or from the configured region weights, sorted by name. */
export function observeRegions(service: ServiceConfig, observed: RoutingObservation): RegionState[] {
  const { placed } = placeClusters(observed.clusters);
  const names = new Set<string>([...placed.map((c) => c.region), ...Object.keys(service.regionWeights)]);
  return [...names].sort().map((region) => {
    const members = placed.filter((c) => c.region === region);
    const serving = members.filter((c) => c.phase === 'serving').map((c) => c.name);
    const leaving = members.filter((c) => c.phase === 'leaving').map((c) => c.name);
    const importName = regionalServiceName(service.name, region);
    const key = importKey(service.namespace, importName);
    const importPresent = observed.imports.has(key);
    const weight = service.regionWeights[region] ?? service.defaultWeight;
    return { region, serving, leaving, importName, importKey: key, importPresent, weight, ready: serving.length > 0 && importPresent };
  });
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
