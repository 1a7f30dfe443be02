/**
 * Per-region readiness of a routed service: which clusters serve each region and whether the
 * region's ServiceImport exists on the config cluster. Independent of the order of the observation.
 */
import type { ServiceConfig } from '../config/fleet-config.ts';
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

/**
 * Every region known from the observed clusters or from the configured region weights, sorted by
 * name. A cluster listed twice counts once, in the smallest of its regions.
 */
export function observeRegions(service: ServiceConfig, observed: RoutingObservation): RegionState[] {
  const phases = clusterPhases(observed.clusters);
  const regionOfCluster = new Map<string, string>();
  for (const c of observed.clusters) {
    const known = regionOfCluster.get(c.name);
    if (known === undefined || c.region < known) regionOfCluster.set(c.name, c.region);
  }
  const names = new Set<string>([...regionOfCluster.values(), ...Object.keys(service.regionWeights)]);
  return [...names].sort().map((region) => {
    const members = [...regionOfCluster].filter(([, r]) => r === region).map(([name]) => name).sort();
    const serving = members.filter((name) => phases.get(name) === 'serving');
    const leaving = members.filter((name) => phases.get(name) === 'leaving');
    const importName = regionalServiceName(service.name, region);
    const key = importKey(service.namespace, importName);
    const importPresent = observed.imports.has(key);
    const weight = service.regionWeights[region] ?? service.defaultWeight;
    return { region, serving, leaving, importName, importKey: key, importPresent, weight, ready: serving.length > 0 && importPresent };
  });
}
