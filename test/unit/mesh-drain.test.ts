import { describe, expect, it } from 'vitest';
import { meshServiceSchema } from '../../shared/config/fleet-config.ts';
import { renderDestinationRule, renderDrainedDestinationRule } from '../../shared/mesh/index.ts';

const store = meshServiceSchema.parse({
  name: 'store',
  namespace: 'store',
  localityLb: { failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }] },
});
const lb = (regions: string[], drained: string[]) =>
  renderDrainedDestinationRule(store, regions, new Set(drained)).spec.trafficPolicy.loadBalancer;

describe('renderDrainedDestinationRule', () => {
  it('is the configured rule while nothing is drained', () => {
    expect(renderDrainedDestinationRule(store, ['asia-northeast1', 'asia-northeast2'], new Set())).toEqual(renderDestinationRule(store));
  });

  it('keeps every locality away from a drained region', () => {
    expect(lb(['asia-northeast2', 'asia-northeast1', 'asia-northeast1'], ['asia-northeast2'])).toEqual({
      localityLbSetting: {
        enabled: true,
        distribute: [
          { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
          { from: 'asia-northeast2/*', to: { 'asia-northeast1/*': 100 } },
        ],
      },
    });
  });

  it('spreads a drained region evenly over the healthy ones, summing to 100', () => {
    const rule = lb(['asia-northeast1', 'asia-northeast2', 'us-east1', 'europe-west1'], ['asia-northeast2']) as unknown as {
      localityLbSetting: { distribute: { from: string; to: Record<string, number> }[] };
    };
    const fromDrained = rule.localityLbSetting.distribute.find((d) => d.from === 'asia-northeast2/*');
    expect(fromDrained?.to).toEqual({ 'asia-northeast1/*': 34, 'europe-west1/*': 33, 'us-east1/*': 33 });
  });

  it('in local mode keeps each healthy region to itself and sends a drained on-prem region’s clients to the cloud', () => {
    const local = meshServiceSchema.parse({ name: 'store', namespace: 'store', localityLb: { local: 'region' } });
    const regions = ['tokyo-onprem', 'asia-northeast1'];
    expect(renderDrainedDestinationRule(local, regions, new Set()).spec.trafficPolicy.loadBalancer?.localityLbSetting.distribute).toEqual([
      { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
      { from: 'tokyo-onprem/*', to: { 'tokyo-onprem/*': 100 } },
    ]);
    expect(
      renderDrainedDestinationRule(local, regions, new Set(['tokyo-onprem'])).spec.trafficPolicy.loadBalancer?.localityLbSetting.distribute,
    ).toEqual([
      { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
      { from: 'tokyo-onprem/*', to: { 'asia-northeast1/*': 100 } },
    ]);
  });

  it('keeps the outlier detection that locality load balancing needs', () => {
    expect(renderDrainedDestinationRule(store, ['a-b1', 'a-b2'], new Set(['a-b2'])).spec.trafficPolicy.outlierDetection).toEqual(
      renderDestinationRule(store).spec.trafficPolicy.outlierDetection,
    );
  });

  it.each([
    {
      name: 'a region ramping back keeps its percent of its own clients and sends the rest to the whole regions',
      regions: ['asia-northeast1', 'asia-northeast2', 'us-east1'],
      drained: [],
      ramp: { 'asia-northeast2': 25 },
      distribute: [
        { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
        { from: 'asia-northeast2/*', to: { 'asia-northeast2/*': 25, 'asia-northeast1/*': 38, 'us-east1/*': 37 } },
        { from: 'us-east1/*', to: { 'us-east1/*': 100 } },
      ],
    },
    {
      name: "a drained region's clients go to the serving regions by weight, a ramping one counting its percent",
      regions: ['asia-northeast1', 'asia-northeast2', 'us-east1'],
      drained: ['us-east1'],
      ramp: { 'asia-northeast2': 10 },
      distribute: [
        { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
        { from: 'asia-northeast2/*', to: { 'asia-northeast2/*': 10, 'asia-northeast1/*': 90 } },
        { from: 'us-east1/*', to: { 'asia-northeast1/*': 91, 'asia-northeast2/*': 9 } },
      ],
    },
    {
      name: 'with no region at its whole weight, a ramping region keeps its own clients',
      regions: ['asia-northeast1', 'asia-northeast2'],
      drained: ['asia-northeast1'],
      ramp: { 'asia-northeast2': 50 },
      distribute: [
        { from: 'asia-northeast1/*', to: { 'asia-northeast2/*': 100 } },
        { from: 'asia-northeast2/*', to: { 'asia-northeast2/*': 100 } },
      ],
    },
  ])('$name', ({ regions, drained, ramp, distribute }) => {
    const rule = renderDrainedDestinationRule(store, regions, new Set(drained), new Map(Object.entries(ramp)));
    const got = rule.spec.trafficPolicy.loadBalancer?.localityLbSetting.distribute as { from: string; to: Record<string, number> }[];
    expect(got).toEqual(distribute);
    for (const d of got) expect(Object.values(d.to).reduce((a, b) => a + b, 0)).toBe(100);
  });

  it('is the configured rule again once the ramp is over', () => {
    expect(renderDrainedDestinationRule(store, ['asia-northeast1', 'asia-northeast2'], new Set(), new Map())).toEqual(
      renderDestinationRule(store),
    );
  });
});
