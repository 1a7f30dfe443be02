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
});
