import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../shared/config/fleet-config.ts';
import { clusterServiceName, regionalServiceName, renderHttpRoute } from '../../shared/routing/index.ts';
import type { ObservedCluster, RoutingObservation } from '../../shared/routing/index.ts';

const REGIONS = Array.from({ length: 18 }, (_, i) => `test-region${i}`);
const gateway = { name: 'external-http', namespace: 'gateway' };
const weightArb = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 100 }));

const clusterArb = fc.record({
  name: fc.integer({ min: 0, max: 40 }).map((i) => `c${i}`),
  region: fc.constantFrom(...REGIONS.slice(0, 4), ...REGIONS),
  phase: fc.constantFrom<ObservedCluster['phase']>('serving', 'serving', 'leaving'),
});
// Small fleets mostly, and large ones that can exceed 16 ready regions.
const clustersArb = fc
  .oneof(
    { weight: 3, arbitrary: fc.uniqueArray(clusterArb, { selector: (c) => c.name, maxLength: 8 }) },
    { weight: 1, arbitrary: fc.uniqueArray(clusterArb, { selector: (c) => c.name, minLength: 20, maxLength: 40 }) },
  )
  .map((cs) => cs.map((c): ObservedCluster => ({ ...c, location: `${c.region}-a` })));

const scenarioArb = clustersArb.chain((clusters) => {
  const clusterNames = [...clusters.map((c) => c.name), 'c-absent'];
  const candidates = [
    ...REGIONS.map((r) => regionalServiceName('store', r)),
    ...clusterNames.map((c) => clusterServiceName('store', c)),
  ].map((n) => `store/${n}`);
  const pinArb = fc.oneof(
    fc.constantFrom(...clusterNames).map((cluster) => ({ cluster })),
    fc.constantFrom(...REGIONS).map((region) => ({ region })),
  );
  return fc.record({
    clusters: fc.constant(clusters),
    imports: fc.oneof(fc.subarray(candidates), fc.constant(candidates)),
    regionWeights: fc.dictionary(fc.constantFrom(...REGIONS), weightArb, { maxKeys: 8 }),
    defaultWeight: weightArb,
    pins: fc.oneof(
      { weight: 3, arbitrary: fc.array(pinArb, { maxLength: 5 }) },
      { weight: 1, arbitrary: fc.array(pinArb, { minLength: 13, maxLength: 18 }) },
    ),
    order: fc.array(fc.double({ noNaN: true }), { minLength: clusters.length, maxLength: clusters.length }),
  });
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function serviceOf(s: Scenario): ServiceConfig {
  return {
    name: 'store',
    namespace: 'store',
    port: 8080,
    hostnames: ['store.example.com'],
    regionWeights: s.regionWeights,
    defaultWeight: s.defaultWeight,
    pinnedPaths: s.pins.map((pin, i) => ({ path: `/p${i}`, ...pin })),
  };
}

function observationOf(s: Scenario, clusters: ObservedCluster[] = s.clusters): RoutingObservation {
  return { clusters, imports: new Set(s.imports) };
}

describe('renderHttpRoute properties', () => {
  it('never breaks Gateway API limits and routes only to present imports of serving clusters', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const plan = renderHttpRoute(serviceOf(s), gateway, observationOf(s));
        if (plan.problems.length > 0) expect(plan.route).toBeNull();
        if (s.pins.length > 15) expect(plan.problems).not.toEqual([]);
        if (!plan.route) return;
        const serving = s.clusters.filter((c) => c.phase === 'serving');
        const allowed = new Set([
          ...serving.map((c) => regionalServiceName('store', c.region)),
          ...serving.map((c) => clusterServiceName('store', c.name)),
        ]);
        const leaving = new Set(s.clusters.filter((c) => c.phase === 'leaving').map((c) => clusterServiceName('store', c.name)));
        const rules = plan.route.spec.rules ?? [];
        expect(rules.length).toBeGreaterThan(0);
        expect(rules.length).toBeLessThanOrEqual(16);
        for (const rule of rules) {
          const backends = rule.backendRefs ?? [];
          expect(backends.length).toBeGreaterThan(0);
          expect(backends.length).toBeLessThanOrEqual(16);
          expect(backends.some((b) => (b.weight ?? 1) > 0)).toBe(true);
          for (const b of backends) {
            expect(Number.isInteger(b.weight) && b.weight! >= 0 && b.weight! <= 1_000_000).toBe(true);
            expect(s.imports).toContain(`store/${b.name}`);
            expect(allowed.has(b.name)).toBe(true);
            expect(leaving.has(b.name)).toBe(false);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('puts exactly the ready regions in the default rule, sorted, unless all weigh 0', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const service = serviceOf(s);
        const plan = renderHttpRoute(service, gateway, observationOf(s));
        if (!plan.route) return;
        const ready = [...new Set(s.clusters.filter((c) => c.phase === 'serving').map((c) => c.region))]
          .filter((r) => s.imports.includes(`store/${regionalServiceName('store', r)}`))
          .sort();
        const weights = ready.map((r) => service.regionWeights[r] ?? service.defaultWeight);
        const last = plan.route.spec.rules?.at(-1);
        const isDefault = last?.matches?.[0]?.path?.value === '/';
        expect(isDefault).toBe(weights.some((w) => w > 0));
        if (isDefault)
          expect(last?.backendRefs?.map((b) => [b.name, b.weight])).toEqual(
            ready.map((r, i) => [regionalServiceName('store', r), weights[i]]),
          );
      }),
      { numRuns: 500 },
    );
  });

  it('is invariant under shuffling the observed clusters', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const shuffled = s.clusters
          .map((c, i) => [s.order[i]!, c] as const)
          .sort(([a], [b]) => a - b)
          .map(([, c]) => c);
        expect(renderHttpRoute(serviceOf(s), gateway, observationOf(s, shuffled))).toEqual(
          renderHttpRoute(serviceOf(s), gateway, observationOf(s)),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('reads a cluster listed twice as leaving when either entry says so, whatever the order', () => {
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (s, leavingFirst) => {
        const [first] = s.clusters;
        if (!first) return;
        const twice = [
          { ...first, phase: 'serving' as const },
          { ...first, phase: 'leaving' as const },
        ];
        const clusters = [...(leavingFirst ? twice.reverse() : twice), ...s.clusters.slice(1)];
        const plan = renderHttpRoute(serviceOf(s), gateway, observationOf(s, clusters));
        const names = (plan.route?.spec.rules ?? []).flatMap((r) => r.backendRefs?.map((b) => b.name) ?? []);
        expect(names).not.toContain(clusterServiceName('store', first.name));
      }),
      { numRuns: 200 },
    );
  });
});
