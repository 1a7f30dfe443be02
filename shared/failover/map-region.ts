/**
 * Which region an incident is about, from its labels: a location (zone or region), a cluster name
 * known to the fleet, or a region label, looked up in a fixed order so the answer is predictable.
 */
import type { IncidentEvent } from './incident.ts';
import { regionOf } from '../routing/index.ts';

/** A cluster's name and location, enough to find its region. */
export interface ClusterLocation {
  name: string;
  location: string;
}

/** The region of an incident and the label it came from, or why none was found. */
export type RegionMapping = { ok: true; region: string; via: string } | { ok: false; reason: string };

/** The labels of an incident that {@link mapIncidentToRegion} reads. */
export type IncidentLabels = Pick<IncidentEvent, 'incidentId' | 'resourceLabels' | 'metricLabels' | 'policyUserLabels'>;

const REGION = /^[a-z]+-[a-z]+\d+$/;

type Kind = 'location' | 'cluster';
type Source = { via: string; labels: 'resourceLabels' | 'metricLabels' | 'policyUserLabels'; key: string; kind: Kind };

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
function regionFrom(source: Source, value: string, clusters: readonly ClusterLocation[]): { region: string } | { note: string } {
  if (source.kind === 'cluster') {
    const regions = [...new Set(clusters.filter((c) => c.name === value).map((c) => regionOf(c.location)))].sort();
    if (regions.length === 0) return { note: `${source.via} ${value} is not a known cluster` };
    if (regions.length > 1) return { note: `${source.via} ${value} names clusters in several regions (${regions.join(', ')})` };
    const region = regions[0]!;
    return REGION.test(region) ? { region } : { note: `cluster ${value} has location ${region}, which is not a region` };
  }
  const region = regionOf(value);
  return REGION.test(region) ? { region } : { note: `${source.via} ${JSON.stringify(value)} is not a region or zone` };
}

/**
 * Maps an incident to a region. Looks, in order, at `resource.labels` (`location`, then
 * `cluster_name` via the cluster's location, then `region`), `metric.labels` (`region`,
 * `location`, `cluster_name`) and `policy_user_labels` (`region`, `cluster`). A zone becomes its
 * region; a label that names no valid region (an unknown cluster, `global`) is skipped and named in
 * the reason if nothing else matches.
 */
export function mapIncidentToRegion(incident: IncidentLabels, clusters: readonly ClusterLocation[]): RegionMapping {
  const notes: string[] = [];
  for (const source of REGION_SOURCES) {
    const labels = incident[source.labels];
    if (!Object.hasOwn(labels, source.key)) continue;
    const value = labels[source.key]?.trim();
    if (!value) continue;
    const found = regionFrom(source, value, clusters);
    if ('region' in found) return { ok: true, region: found.region, via: source.via };
    notes.push(found.note);
  }
  const why = notes.length > 0 ? notes.join('; ') : 'no region, location or cluster label';
  return { ok: false, reason: `incident ${incident.incidentId} names no region: ${why}` };
}
