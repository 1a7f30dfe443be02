import { describe, expect, it } from 'vitest';
import { mapIncidentToRegion } from '../../shared/failover/index.ts';
import type { IncidentLabels } from '../../shared/failover/index.ts';
import { regionOf } from '../../shared/routing/index.ts';

const clusters = [
  { name: 'mc-gw-tokyo', location: 'asia-northeast1-b' },
  { name: 'mc-gw-osaka', location: 'asia-northeast2-b' },
  { name: 'mc-gw-iowa', location: 'us-central1' },
  { name: 'twin', location: 'europe-west1-b' },
  { name: 'twin', location: 'europe-west4-a' },
].map((c) => ({ ...c, region: regionOf(c.location) }));
clusters.push({ name: 'rack-7', location: 'global', region: 'tokyo-onprem' });

function labels(partial: Partial<IncidentLabels> = {}): IncidentLabels {
  return { incidentId: 'i-1', resourceLabels: {}, metricLabels: {}, policyUserLabels: {}, ...partial };
}

describe('mapIncidentToRegion', () => {
  it.each([
    [
      'a zonal resource location',
      labels({ resourceLabels: { location: 'asia-northeast2-b', cluster_name: 'mc-gw-tokyo' } }),
      'asia-northeast2',
      'resource.labels.location',
    ],
    ['a regional resource location', labels({ resourceLabels: { location: 'us-central1' } }), 'us-central1', 'resource.labels.location'],
    ['a known cluster', labels({ resourceLabels: { cluster_name: 'mc-gw-tokyo' } }), 'asia-northeast1', 'resource.labels.cluster_name'],
    ['a regional cluster', labels({ resourceLabels: { cluster_name: 'mc-gw-iowa' } }), 'us-central1', 'resource.labels.cluster_name'],
    ['a resource region', labels({ resourceLabels: { region: 'europe-west1' } }), 'europe-west1', 'resource.labels.region'],
    ['an on-prem cluster', labels({ resourceLabels: { cluster_name: 'rack-7' } }), 'tokyo-onprem', 'resource.labels.cluster_name'],
    [
      'an on-prem region of a known cluster',
      labels({ policyUserLabels: { region: 'tokyo-onprem' } }),
      'tokyo-onprem',
      'policy_user_labels.region',
    ],
    [
      'a global location falls through to the cluster',
      labels({ resourceLabels: { location: 'global', cluster_name: 'mc-gw-osaka' } }),
      'asia-northeast2',
      'resource.labels.cluster_name',
    ],
    [
      'an unknown cluster falls through to the region',
      labels({ resourceLabels: { cluster_name: 'gone', region: 'asia-northeast1' } }),
      'asia-northeast1',
      'resource.labels.region',
    ],
    ['a metric region', labels({ metricLabels: { region: 'asia-northeast1' } }), 'asia-northeast1', 'metric.labels.region'],
    ['a metric zone', labels({ metricLabels: { location: 'asia-northeast1-c' } }), 'asia-northeast1', 'metric.labels.location'],
    ['a metric cluster', labels({ metricLabels: { cluster_name: 'mc-gw-osaka' } }), 'asia-northeast2', 'metric.labels.cluster_name'],
    [
      'resource labels before metric labels',
      labels({ resourceLabels: { region: 'us-central1' }, metricLabels: { region: 'asia-northeast1' } }),
      'us-central1',
      'resource.labels.region',
    ],
    [
      'a policy label region',
      labels({ resourceLabels: { project_id: 'acme' }, policyUserLabels: { region: 'asia-northeast2' } }),
      'asia-northeast2',
      'policy_user_labels.region',
    ],
    ['a policy label cluster', labels({ policyUserLabels: { cluster: 'mc-gw-tokyo' } }), 'asia-northeast1', 'policy_user_labels.cluster'],
    [
      'metric labels before policy labels',
      labels({ metricLabels: { cluster_name: 'mc-gw-tokyo' }, policyUserLabels: { region: 'asia-northeast2' } }),
      'asia-northeast1',
      'metric.labels.cluster_name',
    ],
    [
      'a blank label is skipped',
      labels({ resourceLabels: { location: ' ' }, policyUserLabels: { region: 'asia-northeast2' } }),
      'asia-northeast2',
      'policy_user_labels.region',
    ],
  ])('finds %s', (_name, incident, region, via) => {
    expect(mapIncidentToRegion(incident, clusters)).toEqual({ ok: true, region, via });
  });

  it.each([
    ['no labels at all', labels(), 'incident i-1 names no region: no region, location or cluster label'],
    [
      'only unrelated labels',
      labels({ resourceLabels: { project_id: 'acme', namespace_name: 'store' } }),
      'incident i-1 names no region: no region, location or cluster label',
    ],
    [
      'an unknown cluster',
      labels({ resourceLabels: { cluster_name: 'mc-gw-gone' } }),
      'incident i-1 names no region: resource.labels.cluster_name mc-gw-gone is not a known cluster',
    ],
    [
      'a global location and an ambiguous cluster',
      labels({ resourceLabels: { location: 'global' }, policyUserLabels: { cluster: 'twin' } }),
      'incident i-1 names no region: resource.labels.location "global" is not a region or zone; policy_user_labels.cluster twin names clusters in several regions (europe-west1, europe-west4)',
    ],
    [
      'an on-prem region name no cluster is in',
      labels({ metricLabels: { region: 'osaka-onprem' } }),
      'incident i-1 names no region: metric.labels.region "osaka-onprem" is not a region or zone of any known cluster',
    ],
    [
      'a malformed region',
      labels({ metricLabels: { region: 'Asia-NorthEast1' } }),
      'incident i-1 names no region: metric.labels.region "Asia-NorthEast1" is not a region or zone',
    ],
  ])('explains %s', (_name, incident, reason) => {
    expect(mapIncidentToRegion(incident, clusters)).toEqual({ ok: false, reason });
  });

  it('ignores inherited properties of the label objects', () => {
    expect(
      mapIncidentToRegion(labels({ resourceLabels: Object.create({ region: 'asia-northeast1' }) as Record<string, string> }), clusters).ok,
    ).toBe(false);
  });
});
