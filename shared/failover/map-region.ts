/**
 * Which region an incident is about, from its labels: a location (zone or region), a cluster known
 * to the fleet (by its location and name, see {@link clusterRegion}), or a region label, looked up in
 * a fixed order so the answer is predictable.
 */
import type { IncidentEvent } from './incident.ts';
import { clusterRegion, regionOf, type PlacedCluster } from '../routing/index.ts';
import { isCloudRegion, isRegionName } from '../config/region-name.ts';

/** The region of an incident and the label it came from, or why none was found. */
export type RegionMapping = { ok: true; region: string; via: string } | { ok: false; reason: string };

/** The labels of an incident that {@link mapIncidentToRegion} reads. */
export type IncidentLabels = Pick<IncidentEvent, 'incidentId' | 'resourceLabels' | 'metricLabels' | 'policyUserLabels'>;

type Kind = 'location' | 'cluster';
type Source = { via: string; labels: 'resourceLabels' | 'metricLabels' | 'policyUserLabels'; key: string; kind: Kind };

/** The label beside a cluster label that says where the cluster is (GKE names are unique only per location). */
const CLUSTER_LOCATION_KEY = 'location';

/** The lookup order; the first label that yields a valid region wins. */
export const REGION_SOURCES: readonly Source[] = [
  { via: 'resource.labels.location', labels: 'resourceLabels', key: 'location', kind: 'location' },
  { via: 'resource.labels.cluster_name', labels: 'resourceLabels', key: 'cluster_name', kind: 'cluster' },
  { via: 'resource.labels.region', labels: 'resourceLabels', key: 'region', kind: 'location' },
  { via: 'metric.labels.region', labels: 'metricLabels', key: 'region', kind: 'location' },
  { via: 'metric.labels.location', labels: 'metricLabels', key: 'location', kind: 'location' },
  { via: 'metric.labels.cluster_name', labels: 'metricLabels', key: 'cluster_name', kind: 'cluster' },
  { via: 'policy_user_labels.region', labels: 'policyUserLabels', key: 'region', kind: 'location' },
  { via: 'policy_user_labels.cluster', labels: 'policyUserLabels', key: 'cluster', kind: 'cluster' },
];

/** The region named by one label value, or a note explaining why it names none. */
function regionFrom(
  source: Source,
  value: string,
  location: string | undefined,
  clusters: readonly PlacedCluster[],
): { region: string } | { note: string } {
  if (source.kind === 'cluster') {
    const found = clusterRegion(clusters, value, location);
    if (!found.ok) return { note: `${source.via} ${found.reason}` };
    return isRegionName(found.region)
      ? { region: found.region }
      : { note: `cluster ${value} has location ${found.region}, which is not a region` };
  }
  const region = regionOf(value);
  if (isCloudRegion(region)) return { region };
  // An on-prem region name is only taken when a known cluster is in it: any other word (`global`,
  // a typo) must not become a region that a drain would then be asked for.
  if (isRegionName(region) && clusters.some((c) => c.region === region)) return { region };
  return { note: `${source.via} ${JSON.stringify(value)} is not a region or zone${isRegionName(region) ? ' of any known cluster' : ''}` };
}

/**
 * Maps an incident to a region. Looks, in order, at `resource.labels` (`location`, then
 * `cluster_name` via the cluster's location, then `region`), `metric.labels` (`region`,
 * `location`, `cluster_name`) and `policy_user_labels` (`region`, `cluster`). A zone becomes its
 * region; a cluster is looked up with the `location` label beside it, so a name used in several
 * locations is told apart when the incident says where (and is ambiguous, not mapped, when it does
 * not). A label that names no valid region (an unknown or ambiguous cluster, `global`) is skipped
 * and named in the reason if nothing else matches. Independent of the order of `clusters`.
 */
export function mapIncidentToRegion(incident: IncidentLabels, clusters: readonly PlacedCluster[]): RegionMapping {
  const notes: string[] = [];
  for (const source of REGION_SOURCES) {
    const labels = incident[source.labels];
    if (!Object.hasOwn(labels, source.key)) continue;
    const value = labels[source.key]?.trim();
    if (!value) continue;
    const location = Object.hasOwn(labels, CLUSTER_LOCATION_KEY) ? labels[CLUSTER_LOCATION_KEY]?.trim() || undefined : undefined;
    const found = regionFrom(source, value, location, clusters);
    if ('region' in found) return { ok: true, region: found.region, via: source.via };
    notes.push(found.note);
  }
  const why = notes.length > 0 ? notes.join('; ') : 'no region, location or cluster label';
  return { ok: false, reason: `incident ${incident.incidentId} names no region: ${why}` };
}
