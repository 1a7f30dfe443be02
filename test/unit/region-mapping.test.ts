import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../shared/config/fleet-config.ts';
import { mapIncidentToRegion, type IncidentLabels } from '../../shared/failover/index.ts';
import {
  clusterRegion,
  observeRegions,
  placeClusters,
  regionOf,
  renderHttpRoute,
  type ObservedCluster,
  type PlacedCluster,
} from '../../shared/routing/index.ts';

const gke = (name: string, location: string, phase: ObservedCluster['phase'] = 'serving'): ObservedCluster => ({
  name,
  location,
  region: regionOf(location),
  phase,
});

describe('clusterRegion: one cluster → region mapping, keyed by location and name', () => {
  const clusters: PlacedCluster[] = [
    gke('mc-gw-tokyo', 'asia-northeast1-b'),
    gke('zonal-twins', 'europe-west1-b'),
    gke('zonal-twins', 'europe-west1-c'),
    gke('app', 'asia-northeast1-b'),
    gke('app', 'europe-west4-a'),
    { name: 'onprem', location: 'global', region: 'asia-east1' },
    gke('onprem', 'us-central1-a'),
  ];

  it.each([
    ['a unique name', 'mc-gw-tokyo', undefined, { ok: true, region: 'asia-northeast1' }],
    ['a name in two zones of one region', 'zonal-twins', undefined, { ok: true, region: 'europe-west1' }],
    [
      'a name in two regions, no location',
      'app',
      undefined,
      { ok: false, reason: 'app names clusters in several regions (asia-northeast1, europe-west4)' },
    ],
    ['a name in two regions, with the location of one', 'app', 'europe-west4-a', { ok: true, region: 'europe-west4' }],
    ['a location no cluster of that name is at (the name alone decides)', 'mc-gw-tokyo', 'global', { ok: true, region: 'asia-northeast1' }],
    [
      'a location no cluster of that name is at, and an ambiguous name',
      'app',
      'global',
      { ok: false, reason: 'app names clusters in several regions (asia-northeast1, europe-west4)' },
    ],
    ['an attached cluster by its global location', 'onprem', 'global', { ok: true, region: 'asia-east1' }],
    ['an unknown name', 'gone', undefined, { ok: false, reason: 'gone is not a known cluster' }],
  ])('%s', (_name, name, location, expected) => {
    expect(clusterRegion(clusters, name, location)).toEqual(expected);
  });

  it('calls a location and name listed in two regions ambiguous rather than choosing one', () => {
    const twice = [
      { name: 'x', location: 'global', region: 'asia-east1' },
      { name: 'x', location: 'global', region: 'asia-east2' },
    ];
    expect(clusterRegion(twice, 'x', 'global')).toEqual({
      ok: false,
      reason: 'x at global names clusters in several regions (asia-east1, asia-east2)',
    });
  });
});

describe('every caller agrees: the route planner, the pinned paths and the incident mapper', () => {
  const service: ServiceConfig = {
    name: 'store',
    namespace: 'store',
    port: 8080,
    hostnames: ['store.example.com'],
    regionWeights: {},
    defaultWeight: 1,
    pinnedPaths: [{ path: '/app', cluster: 'app' }],
  };
  const imports = new Set(['store/store-asia-northeast1', 'store/store-europe-west4', 'store/store-app']);
  // The same bare name in two regions: two different clusters.
  const observed = { clusters: [gke('app', 'europe-west4-a'), gke('app', 'asia-northeast1-b')], imports };

  it('counts each cluster in its own region (was: only in the smallest region)', () => {
    expect(observeRegions(service, observed).map((r) => [r.region, r.serving, r.ready])).toEqual([
      ['asia-northeast1', ['app'], true],
      ['europe-west4', ['app'], true],
    ]);
  });

  it('moves no pin whose cluster name is ambiguous on a drain (was: the region of the last one listed)', () => {
    const plan = renderHttpRoute(service, { name: 'gw', namespace: 'gw' }, observed, {
      drained: new Set(['europe-west4']),
      pinnedPathsOnDrain: 'nearest-healthy',
    });
    expect(plan.route?.spec.rules?.[0]?.backendRefs?.map((b) => b.name)).toEqual(['store-app']);
    expect(plan.explanation).toContain(
      '/app → app (not redirected on drains: app names clusters in several regions (asia-northeast1, europe-west4))',
    );
  });

  it('does not route a location and name observed in two regions, and says so', () => {
    const inconsistent = {
      clusters: [
        { ...gke('x', 'global'), region: 'asia-east1' },
        { ...gke('x', 'global'), region: 'asia-east2' },
      ],
      imports: new Set(['store/store-asia-east1']),
    };
    expect(placeClusters(inconsistent.clusters)).toEqual({
      placed: [],
      unplaced: [{ name: 'x', location: 'global', reason: 'x at global names clusters in several regions (asia-east1, asia-east2)' }],
    });
    const plan = renderHttpRoute({ ...service, pinnedPaths: [] }, { name: 'gw', namespace: 'gw' }, inconsistent);
    expect(plan.explanation).toContain(
      'cluster x at global is not routed: x at global names clusters in several regions (asia-east1, asia-east2)',
    );
  });

  it('maps an incident naming an ambiguous cluster to no region, unless its location tells them apart', () => {
    const labels = (partial: Partial<IncidentLabels>): IncidentLabels => ({
      incidentId: 'i-1',
      resourceLabels: {},
      metricLabels: {},
      policyUserLabels: {},
      ...partial,
    });
    const clusters = [...observed.clusters, { name: 'onprem', location: 'global', region: 'asia-east1' }, gke('onprem', 'us-central1-a')];
    expect(mapIncidentToRegion(labels({ policyUserLabels: { cluster: 'app' } }), clusters)).toEqual({
      ok: false,
      reason:
        'incident i-1 names no region: policy_user_labels.cluster app names clusters in several regions (asia-northeast1, europe-west4)',
    });
    expect(mapIncidentToRegion(labels({ resourceLabels: { location: 'global', cluster_name: 'onprem' } }), clusters)).toEqual({
      ok: true,
      region: 'asia-east1',
      via: 'resource.labels.cluster_name',
    });
    expect(mapIncidentToRegion(labels({ metricLabels: { location: 'global', cluster_name: 'onprem' } }), clusters)).toEqual({
      ok: true,
      region: 'asia-east1',
      via: 'metric.labels.cluster_name',
    });
  });
});

describe('order independence (property)', () => {
  const NAMES = ['a', 'b', 'c'];
  const LOCATIONS = ['asia-northeast1-a', 'asia-northeast1-b', 'europe-west4-a', 'us-central1', 'global'];
  const clusterArb = fc
    .record({
      name: fc.constantFrom(...NAMES),
      location: fc.constantFrom(...LOCATIONS),
      phase: fc.constantFrom<ObservedCluster['phase']>('serving', 'leaving'),
      // An attached cluster's region is not derived from its location.
      attachedRegion: fc.constantFrom('asia-east1', 'asia-east2'),
    })
    .map(({ attachedRegion, ...c }): ObservedCluster => ({
      ...c,
      region: c.location === 'global' ? attachedRegion : regionOf(c.location),
    }));
  // A list of clusters and a shuffled copy of it.
  const fleetArb = fc
    .array(clusterArb, { maxLength: 8 })
    .chain((clusters) =>
      fc.tuple(fc.constant(clusters), fc.shuffledSubarray(clusters, { minLength: clusters.length, maxLength: clusters.length })),
    );

  it('clusterRegion gives the same answer for the same clusters in any order, and never picks among several regions', () => {
    fc.assert(
      fc.property(
        fleetArb,
        fc.constantFrom(...NAMES, 'unknown'),
        fc.option(fc.constantFrom(...LOCATIONS), { nil: undefined }),
        ([clusters, shuffled], name, location) => {
          const answer = clusterRegion(clusters, name, location);
          expect(clusterRegion(shuffled, name, location)).toEqual(answer);
          if (answer.ok) {
            const here = clusters.filter((c) => c.name === name && c.location === location);
            const candidates = here.length > 0 ? here : clusters.filter((c) => c.name === name);
            expect(new Set(candidates.map((c) => c.region))).toEqual(new Set([answer.region]));
          }
        },
      ),
    );
  });

  it('the route planner, the fleet placement and the incident mapper do not depend on the order of the clusters', () => {
    const service: ServiceConfig = {
      name: 'store',
      namespace: 'store',
      port: 8080,
      hostnames: ['store.example.com'],
      regionWeights: {},
      defaultWeight: 1,
      pinnedPaths: NAMES.map((name) => ({ path: `/${name}`, cluster: name })),
    };
    const imports = new Set(
      ['asia-northeast1', 'europe-west4', 'us-central1', 'asia-east1', 'asia-east2', ...NAMES].map((n) => `store/store-${n}`),
    );
    const drainArb = fc.record({
      drained: fc.subarray(['asia-northeast1', 'europe-west4', 'asia-east1']).map((d) => new Set(d)),
      pinnedPathsOnDrain: fc.constantFrom('keep' as const, 'nearest-healthy' as const),
    });
    const labelsArb = fc.record(
      { location: fc.constantFrom(...LOCATIONS), cluster_name: fc.constantFrom(...NAMES) },
      { requiredKeys: ['cluster_name'] },
    );
    fc.assert(
      fc.property(fleetArb, drainArb, labelsArb, ([clusters, shuffled], drain, resourceLabels) => {
        const gateway = { name: 'gw', namespace: 'gw' };
        expect(placeClusters(shuffled)).toEqual(placeClusters(clusters));
        expect(renderHttpRoute(service, gateway, { clusters: shuffled, imports }, drain)).toEqual(
          renderHttpRoute(service, gateway, { clusters, imports }, drain),
        );
        const incident: IncidentLabels = { incidentId: 'i', resourceLabels, metricLabels: {}, policyUserLabels: {} };
        expect(mapIncidentToRegion(incident, shuffled)).toEqual(mapIncidentToRegion(incident, clusters));
      }),
    );
  });
});
