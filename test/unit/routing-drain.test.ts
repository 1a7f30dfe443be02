import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseFleetConfig } from '../../shared/config/fleet-config.ts';
import { regionOf, renderHttpRoute, type ObservedCluster } from '../../shared/routing/index.ts';

const config = parseFleetConfig(parse(readFileSync(new URL('../../examples/fleet.yaml', import.meta.url), 'utf8')));
if (!config.ok) throw new Error(config.problems.join('\n'));
const store = config.config.services[0]!;
const gateway = { name: 'external-http', namespace: 'store' };
const cluster = (name: string, location: string): ObservedCluster => ({ name, location, region: regionOf(location), phase: 'serving' });
const observed = {
  clusters: [cluster('mc-gw-tokyo', 'asia-northeast1-b'), cluster('mc-gw-osaka', 'asia-northeast2-b')],
  imports: new Set(['store/store-asia-northeast1', 'store/store-asia-northeast2', 'store/store-mc-gw-tokyo', 'store/store-mc-gw-osaka']),
};
const rules = (drained: string[], pinnedPathsOnDrain: 'keep' | 'nearest-healthy' = 'keep') =>
  renderHttpRoute(store, gateway, observed, { drained: new Set(drained), pinnedPathsOnDrain });
const summary = (plan: ReturnType<typeof rules>) =>
  (plan.route?.spec.rules ?? []).map(
    (r) => `${r.matches?.[0]?.path?.value} ${r.backendRefs?.map((b) => `${b.name}=${b.weight}`).join(',')}`,
  );

describe('renderHttpRoute with drains', () => {
  it.each([
    [
      'nothing drained',
      [],
      'keep',
      ['/tokyo store-mc-gw-tokyo=1', '/osaka store-mc-gw-osaka=1', '/ store-asia-northeast1=50,store-asia-northeast2=50'],
    ],
    [
      'osaka drained: its weight goes to 0, its pinned path keeps serving',
      ['asia-northeast2'],
      'keep',
      ['/tokyo store-mc-gw-tokyo=1', '/osaka store-mc-gw-osaka=1', '/ store-asia-northeast1=50,store-asia-northeast2=0'],
    ],
    [
      'osaka drained: its pinned path follows the nearest healthy region',
      ['asia-northeast2'],
      'nearest-healthy',
      ['/tokyo store-mc-gw-tokyo=1', '/osaka store-asia-northeast1=1', '/ store-asia-northeast1=50,store-asia-northeast2=0'],
    ],
  ] as const)('%s', (_name, drained, mode, expected) => {
    const plan = rules([...drained], mode);
    expect(plan.problems).toEqual([]);
    expect(summary(plan)).toEqual(expected);
  });

  it('explains the drain with the baseline weight', () => {
    expect(rules(['asia-northeast2']).explanation[0]).toBe(
      'default rule: asia-northeast1 weight 50 (1 cluster), asia-northeast2 weight 0 (drained; baseline 50) (1 cluster)',
    );
  });

  it('refuses to render a route where drains leave no region serving (never zero)', () => {
    const plan = rules(['asia-northeast1', 'asia-northeast2']);
    expect(plan.route).toBeNull();
    expect(plan.problems).toEqual(['store: drains would leave no region serving (never zero); the live route stays as it is']);
  });
});
