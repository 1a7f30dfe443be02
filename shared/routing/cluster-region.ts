/**
 * The one answer to "which region is this cluster in", for every caller: the route planner, the
 * incident mapper and the fleet view. GKE makes a cluster name unique only per location, so a
 * cluster is known by its location and name; a bare name may name clusters in several regions.
 * Pure, and independent of the order of the clusters it is given.
 */

/** A cluster, where it is, and the region its traffic counts in. */
export interface PlacedCluster {
  name: string;
  /** GKE location (zone or region), or an attached cluster's membership location (`global`). */
  location: string;
  region: string;
}

/** The region of a cluster, or why there is none. */
export type ClusterRegion = { ok: true; region: string } | { ok: false; reason: string };

/** The key of a cluster among the fleet's clusters: `LOCATION/NAME`. */
export function clusterKey(cluster: { location: string; name: string }): string {
  return `${cluster.location}/${cluster.name}`;
}

/**
 * The region of the cluster `name` among `clusters`. With a `location`, the clusters of that name
 * at that location decide when there are any (an attached cluster's `global` included); otherwise
 * every cluster of that name does. Clusters in more than one region are ambiguous: no region, and
 * the reason names the regions — never the first, the last or the smallest of them.
 */
export function clusterRegion(clusters: readonly PlacedCluster[], name: string, location?: string): ClusterRegion {
  const named = clusters.filter((c) => c.name === name);
  const here = location === undefined ? [] : named.filter((c) => c.location === location);
  const regions = [...new Set((here.length > 0 ? here : named).map((c) => c.region))].sort();
  if (regions.length === 0) return { ok: false, reason: `${name} is not a known cluster` };
  if (regions.length > 1) {
    return {
      ok: false,
      reason: `${name}${here.length > 0 ? ` at ${location}` : ''} names clusters in several regions (${regions.join(', ')})`,
    };
  }
  return { ok: true, region: regions[0]! };
}
