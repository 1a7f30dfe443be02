import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFleetConfig } from '../../shared/config/fleet-config.ts';
import type { ServiceConfig } from '../../shared/config/fleet-config.ts';
import { boundedName, clusterServiceName, regionOf, regionalServiceName, renderHttpRoute } from '../../shared/routing/index.ts';
import type { ObservedCluster, RoutingObservation } from '../../shared/routing/index.ts';

function exampleStore(): ServiceConfig {
  const result = parseFleetConfig(parse(readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8')));
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.config.services[0]!;
}

const store = exampleStore();
const gateway = { name: 'external-http', namespace: 'store' };
const tokyo = cluster('mc-gw-tokyo', 'asia-northeast1-b');
const osaka = cluster('mc-gw-osaka', 'asia-northeast2-b');
const ALL_IMPORTS = ['store/store-asia-northeast1', 'store/store-asia-northeast2', 'store/store-mc-gw-tokyo', 'store/store-mc-gw-osaka'];

function cluster(name: string, location: string, phase: ObservedCluster['phase'] = 'serving'): ObservedCluster {
  return { name, location, region: regionOf(location), phase };
}

function observe(clusters: ObservedCluster[], imports: string[] = ALL_IMPORTS): RoutingObservation {
  return { clusters, imports: new Set(imports) };
}

function backend(name: string, weight: number) {
  return { group: 'net.gke.io', kind: 'ServiceImport', name, port: 8080, weight };
}

function rule(path: string, ...backendRefs: ReturnType<typeof backend>[]) {
  return { matches: [{ path: { type: 'PathPrefix', value: path } }], backendRefs };
}

function paths(plan: ReturnType<typeof renderHttpRoute>): string[] {
  return (plan.route?.spec.rules ?? []).map((r) => r.matches?.[0]?.path?.value ?? '?');
}

describe('renderHttpRoute: the classic store example', () => {
  it('renders the whole HTTPRoute when both clusters serve and every import exists', () => {
    expect(renderHttpRoute(store, gateway, observe([tokyo, osaka]))).toEqual({
      route: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'store', namespace: 'store', labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } },
        spec: {
          parentRefs: [{ kind: 'Gateway', name: 'external-http', namespace: 'store' }],
          hostnames: ['store.example.com'],
          rules: [
            rule('/tokyo', backend('store-mc-gw-tokyo', 1)),
            rule('/osaka', backend('store-mc-gw-osaka', 1)),
            rule('/', backend('store-asia-northeast1', 50), backend('store-asia-northeast2', 50)),
          ],
        },
      },
      explanation: [
        'default rule: asia-northeast1 weight 50 (1 cluster), asia-northeast2 weight 50 (1 cluster)',
        '/tokyo → mc-gw-tokyo',
        '/osaka → mc-gw-osaka',
      ],
      problems: [],
    });
  });

  it('does not depend on the order of the observed clusters', () => {
    const second = cluster('mc-gw-tokyo-2', 'asia-northeast1-a');
    expect(renderHttpRoute(store, gateway, observe([osaka, second, tokyo]))).toEqual(
      renderHttpRoute(store, gateway, observe([tokyo, osaka, second])),
    );
  });
});

describe('renderHttpRoute: readiness gate', () => {
  it.each([
    [
      'a region import is missing',
      ALL_IMPORTS.filter((i) => i !== 'store/store-asia-northeast2'),
      ['/tokyo', '/osaka', '/'],
      [
        'default rule: asia-northeast1 weight 50 (1 cluster)',
        'region asia-northeast2 waits for ServiceImport store/store-asia-northeast2',
        '/tokyo → mc-gw-tokyo',
        '/osaka → mc-gw-osaka',
      ],
    ],
    [
      'a pinned cluster import is missing',
      ALL_IMPORTS.filter((i) => i !== 'store/store-mc-gw-osaka'),
      ['/tokyo', '/'],
      [
        'default rule: asia-northeast1 weight 50 (1 cluster), asia-northeast2 weight 50 (1 cluster)',
        '/tokyo → mc-gw-tokyo',
        '/osaka → mc-gw-osaka waits for ServiceImport store/store-mc-gw-osaka',
      ],
    ],
  ])('when %s, the backend is absent and explained', (_name, imports, expectedPaths, explanation) => {
    const plan = renderHttpRoute(store, gateway, observe([tokyo, osaka], imports));
    expect(paths(plan)).toEqual(expectedPaths);
    expect(plan.explanation).toEqual(explanation);
    expect(plan.route?.spec.rules?.at(-1)?.backendRefs?.map((b) => b.name)).toEqual(
      imports.includes('store/store-asia-northeast2') ? ['store-asia-northeast1', 'store-asia-northeast2'] : ['store-asia-northeast1'],
    );
  });

  it('renders nothing while no region is ready, even when a pinned cluster is (fail static)', () => {
    expect(renderHttpRoute(store, gateway, observe([tokyo, osaka], ['store/store-mc-gw-tokyo']))).toEqual({
      route: null,
      explanation: [
        'no region of store is ready: no HTTPRoute rendered, a live route stays as it is',
        'region asia-northeast1 waits for ServiceImport store/store-asia-northeast1',
        'region asia-northeast2 waits for ServiceImport store/store-asia-northeast2',
        '/tokyo → mc-gw-tokyo',
        '/osaka → mc-gw-osaka waits for ServiceImport store/store-mc-gw-osaka',
      ],
      problems: [],
    });
  });

  it('renders nothing for an empty fleet', () => {
    expect(renderHttpRoute(store, gateway, observe([], []))).toEqual({
      route: null,
      explanation: [
        'no region of store is ready: no HTTPRoute rendered, a live route stays as it is',
        'region asia-northeast1 has no cluster',
        'region asia-northeast2 has no cluster',
        '/tokyo → mc-gw-tokyo skipped: cluster is not in the fleet',
        '/osaka → mc-gw-osaka skipped: cluster is not in the fleet',
      ],
      problems: [],
    });
  });
});

describe('renderHttpRoute: leaving clusters', () => {
  it('drops the pinned path and the region of the only cluster there', () => {
    const plan = renderHttpRoute(store, gateway, observe([tokyo, cluster('mc-gw-osaka', 'asia-northeast2-b', 'leaving')]));
    expect(plan.route?.spec.rules).toEqual([
      rule('/tokyo', backend('store-mc-gw-tokyo', 1)),
      rule('/', backend('store-asia-northeast1', 50)),
    ]);
    expect(plan.explanation).toEqual([
      'default rule: asia-northeast1 weight 50 (1 cluster)',
      'region asia-northeast2 has no serving cluster (leaving: mc-gw-osaka)',
      '/tokyo → mc-gw-tokyo',
      '/osaka → mc-gw-osaka skipped: cluster is leaving',
    ]);
  });

  it('keeps the region while another cluster still serves it', () => {
    const plan = renderHttpRoute(
      store,
      gateway,
      observe([tokyo, cluster('mc-gw-osaka', 'asia-northeast2-b', 'leaving'), cluster('mc-gw-osaka-2', 'asia-northeast2-a')]),
    );
    expect(plan.route?.spec.rules).toEqual([
      rule('/tokyo', backend('store-mc-gw-tokyo', 1)),
      rule('/', backend('store-asia-northeast1', 50), backend('store-asia-northeast2', 50)),
    ]);
    expect(plan.explanation[0]).toBe('default rule: asia-northeast1 weight 50 (1 cluster), asia-northeast2 weight 50 (1 cluster)');
  });
});

describe('renderHttpRoute: weights', () => {
  it('keeps a region of weight 0 beside others', () => {
    const drained = { ...store, regionWeights: { 'asia-northeast1': 0, 'asia-northeast2': 100 } };
    expect(renderHttpRoute(drained, gateway, observe([tokyo, osaka])).route?.spec.rules?.at(-1)).toEqual(
      rule('/', backend('store-asia-northeast1', 0), backend('store-asia-northeast2', 100)),
    );
  });

  it('omits the default rule when every ready region weighs 0, keeping pinned paths', () => {
    const zero = { ...store, regionWeights: { 'asia-northeast1': 0, 'asia-northeast2': 0 } };
    const plan = renderHttpRoute(zero, gateway, observe([tokyo, osaka]));
    expect(paths(plan)).toEqual(['/tokyo', '/osaka']);
    expect(plan.explanation[0]).toBe('default rule omitted: every ready region of store has weight 0 (asia-northeast1, asia-northeast2)');
  });

  it('renders nothing when weights are all 0 and no pinned path is ready', () => {
    const zero = { ...store, regionWeights: {}, defaultWeight: 0, pinnedPaths: [] };
    expect(renderHttpRoute(zero, gateway, observe([tokyo, osaka]))).toEqual({
      route: null,
      explanation: [
        'default rule omitted: every ready region of store has weight 0 (asia-northeast1, asia-northeast2)',
        'no rule of store can render: a live route stays as it is',
      ],
      problems: [],
    });
  });

  it('uses defaultWeight for regions without a configured weight', () => {
    const plan = renderHttpRoute({ ...store, regionWeights: {}, defaultWeight: 7 }, gateway, observe([tokyo, osaka]));
    expect(plan.route?.spec.rules?.at(-1)).toEqual(rule('/', backend('store-asia-northeast1', 7), backend('store-asia-northeast2', 7)));
  });
});

describe('renderHttpRoute: Gateway API limits', () => {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `/p${i}`, cluster: 'mc-gw-tokyo' }));

  it.each([
    [
      '16 pinned paths',
      { pinnedPaths: many(16) },
      ['store: 16 pinned paths and the default rule make 17 rules, more than the 16 an HTTPRoute can hold'],
    ],
    [
      'a weight above 1,000,000',
      { regionWeights: { 'asia-northeast1': 1_000_001 } },
      ['store: weight 1000001 of region asia-northeast1 must be an integer from 0 to 1000000'],
    ],
    ['a fractional default weight', { defaultWeight: 1.5 }, ['store: defaultWeight 1.5 must be an integer from 0 to 1000000']],
    [
      '17 hostnames',
      { hostnames: Array.from({ length: 17 }, (_, i) => `h${i}.example.com`) },
      ['store: 17 hostnames exceed the 16 an HTTPRoute can hold'],
    ],
    [
      'a path the CRD refuses',
      { pinnedPaths: [{ path: '/a/../b', cluster: 'mc-gw-tokyo' }] },
      ["store: pinned path /a/../b must not contain '/../'"],
    ],
  ])('refuses %s: problem listed, route null', (_name, change, problems) => {
    const plan = renderHttpRoute({ ...store, ...change }, gateway, observe([tokyo, osaka]));
    expect(plan.route).toBeNull();
    expect(plan.problems).toEqual(problems);
    expect(plan.explanation[0]).toBe('no HTTPRoute rendered for store: it would break Gateway API limits');
  });

  it('accepts 15 pinned paths', () => {
    const plan = renderHttpRoute({ ...store, pinnedPaths: many(15) }, gateway, observe([tokyo, osaka]));
    expect(plan.problems).toEqual([]);
    expect(plan.route?.spec.rules).toHaveLength(16);
  });

  it('refuses more than 16 ready regions in the default rule', () => {
    const regions = Array.from({ length: 17 }, (_, i) => `test-region${i}`);
    const clusters = regions.map((r, i) => ({ name: `c${i}`, location: r, region: r, phase: 'serving' as const }));
    const plan = renderHttpRoute(
      { ...store, pinnedPaths: [] },
      gateway,
      observe(
        clusters,
        regions.map((r) => `store/store-${r}`),
      ),
    );
    expect(plan.route).toBeNull();
    expect(plan.problems).toEqual(['store: 17 ready regions exceed the 16 backendRefs a rule can hold']);
  });
});

describe('names', () => {
  it.each([
    ['asia-northeast1-b', 'asia-northeast1'],
    ['us-central1-f', 'us-central1'],
    ['asia-northeast1', 'asia-northeast1'],
    ['global', 'global'],
  ])('regionOf(%s) = %s', (location, region) => expect(regionOf(location)).toBe(region));

  it('names regional and per-cluster Services', () => {
    expect(regionalServiceName('store', 'asia-northeast1')).toBe('store-asia-northeast1');
    expect(clusterServiceName('store', 'mc-gw-tokyo')).toBe('store-mc-gw-tokyo');
  });

  it('bounds names over 63 characters with a deterministic hash suffix', () => {
    const service = 'a-very-long-service-name-that-fills-most-of-the-label';
    const sha = (name: string) => createHash('sha256').update(name).digest('hex').slice(0, 6);
    const a = clusterServiceName(service, 'mc-gw-tokyo');
    expect(a).toBe(`a-very-long-service-name-that-fills-most-of-the-label-mc-${sha(`${service}-mc-gw-tokyo`)}`);
    expect(a).toHaveLength(63);
    expect(clusterServiceName(service, 'mc-gw-osaka')).not.toBe(a);
    expect(clusterServiceName(service, 'mc-gw-tokyo')).toBe(a);
    // A cut that ends in a dash drops it rather than doubling it.
    const dashed = `${'x'.repeat(55)}-${'y'.repeat(20)}`;
    expect(boundedName(dashed)).toBe(`${'x'.repeat(55)}-${sha(dashed)}`);
    expect(boundedName('x'.repeat(63))).toBe('x'.repeat(63));
  });

  it('routes to the bounded names when they are too long', () => {
    const service = {
      ...store,
      name: 'checkout-frontend-with-a-rather-long-service-name',
      pinnedPaths: [{ path: '/t', cluster: 'mc-gw-tokyo-cluster-01' }],
    };
    const regional = regionalServiceName(service.name, 'asia-northeast1');
    const perCluster = clusterServiceName(service.name, 'mc-gw-tokyo-cluster-01');
    expect([regional.length, perCluster.length]).toEqual([63, 62]);
    expect(perCluster).toMatch(/^checkout-frontend-with-a-rather-long-service-name-mc-gw-[0-9a-f]{6}$/);
    const plan = renderHttpRoute(
      service,
      gateway,
      observe([cluster('mc-gw-tokyo-cluster-01', 'asia-northeast1-b')], [`store/${regional}`, `store/${perCluster}`]),
    );
    expect(plan.route?.spec.rules?.flatMap((r) => r.backendRefs?.map((b) => b.name))).toEqual([perCluster, regional]);
    for (const name of [regional, perCluster]) expect(name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });
});
