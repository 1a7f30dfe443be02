import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../shared/config/fleet-config.ts';
import { describeRouteChange, renderHttpRoute, routeTrafficShares } from '../../shared/routing/index.ts';
import type { HttpRoute, ObservedCluster } from '../../shared/routing/index.ts';

const store: ServiceConfig = {
  name: 'store',
  namespace: 'store',
  port: 8080,
  hostnames: ['store.example.com'],
  regionWeights: { 'asia-northeast1': 50, 'asia-northeast2': 50 },
  defaultWeight: 100,
  pinnedPaths: [
    { path: '/tokyo', cluster: 'mc-gw-tokyo' },
    { path: '/osaka', cluster: 'mc-gw-osaka' },
  ],
};
const gateway = { name: 'external-http', namespace: 'store' };
const clusters: ObservedCluster[] = [
  { name: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1', phase: 'serving' },
  { name: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2', phase: 'serving' },
];
const allImports = ['store/store-asia-northeast1', 'store/store-asia-northeast2', 'store/store-mc-gw-tokyo', 'store/store-mc-gw-osaka'];

function render(service: Partial<ServiceConfig> = {}, imports = allImports, observed = clusters): HttpRoute {
  const route = renderHttpRoute({ ...store, ...service }, gateway, { clusters: observed, imports: new Set(imports) }).route;
  if (!route) throw new Error('expected a route');
  return route;
}

/** The route as the API server returns it: defaults filled in, server metadata and status added. */
function readBack(route: HttpRoute): HttpRoute {
  const copy = structuredClone(route) as HttpRoute & { status: unknown };
  copy.metadata = { ...copy.metadata, uid: 'u-1', resourceVersion: '7', generation: 3 };
  copy.spec.parentRefs = copy.spec.parentRefs?.map((p) => ({ group: 'gateway.networking.k8s.io', ...p }));
  copy.spec.rules = copy.spec.rules?.map((r) => ({ ...r, backendRefs: [...(r.backendRefs ?? [])].reverse() }));
  copy.status = { parents: [] };
  return copy;
}

describe('describeRouteChange', () => {
  const current = render();

  it.each([
    ['an identical route', current, []],
    ['the route read back from the API server', readBack(current), []],
    [
      'a weight change',
      render({ regionWeights: { 'asia-northeast1': 80, 'asia-northeast2': 50 } }),
      ['~ store-asia-northeast1 weight 50 → 80 on default rule'],
    ],
    [
      'the only cluster of a region gone',
      render({}, allImports, [clusters[0]!]),
      ['- rule /osaka', '- backend store-asia-northeast2 on default rule'],
    ],
    [
      'a pinned path added',
      render({ pinnedPaths: [...store.pinnedPaths, { path: '/kansai', region: 'asia-northeast2' }] }),
      ['+ rule /kansai → store-asia-northeast2 weight 1'],
    ],
    ['a hostname change', render({ hostnames: ['shop.example.com'] }), ['- hostname store.example.com', '+ hostname shop.example.com']],
    [
      'pinned paths reordered',
      render({ pinnedPaths: [...store.pinnedPaths].reverse() }),
      ['~ rule order /tokyo, /osaka, / → /osaka, /tokyo, /'],
    ],
  ])('describes %s', (_name, desired, lines) => {
    expect(describeRouteChange(current, desired)).toEqual(lines);
  });

  it('describes a region coming back', () => {
    const withoutOsaka = render(
      {},
      allImports.filter((i) => i !== 'store/store-asia-northeast2'),
    );
    expect(describeRouteChange(withoutOsaka, current)).toEqual(['+ backend store-asia-northeast2 weight 50 on default rule']);
  });

  it('describes a new route in full', () => {
    expect(describeRouteChange(null, current)).toEqual([
      '+ HTTPRoute store/store',
      '+ parent Gateway store/external-http',
      '+ hostname store.example.com',
      '+ rule /tokyo → store-mc-gw-tokyo weight 1',
      '+ rule /osaka → store-mc-gw-osaka weight 1',
      '+ default rule → store-asia-northeast1 weight 50, store-asia-northeast2 weight 50',
    ]);
  });

  it('notices hand edits the renderer would undo', () => {
    const edited = structuredClone(current);
    edited.spec.rules![0]!.filters = [{ type: 'RequestHeaderModifier' }];
    edited.spec.rules![2]!.backendRefs!.push({ kind: 'Service', name: 'store', port: 8080 });
    expect(describeRouteChange(edited, current)).toEqual([
      '~ rule /tokyo other settings {"filters":[{"type":"RequestHeaderModifier"}]} → {}',
      '- backend store (Service) on default rule',
    ]);
  });
});

describe('routeTrafficShares', () => {
  it.each([
    ['an even split', render(), { 'store-asia-northeast1': 0.5, 'store-asia-northeast2': 0.5 }],
    [
      'a drained region',
      render({ regionWeights: { 'asia-northeast1': 0, 'asia-northeast2': 50 } }),
      { 'store-asia-northeast1': 0, 'store-asia-northeast2': 1 },
    ],
    [
      'an uneven split',
      render({ regionWeights: { 'asia-northeast1': 30, 'asia-northeast2': 10 } }),
      { 'store-asia-northeast1': 0.75, 'store-asia-northeast2': 0.25 },
    ],
    ['no default rule', render({ regionWeights: { 'asia-northeast1': 0, 'asia-northeast2': 0 } }), {}],
  ])('gives %s', (_name, route, shares) => {
    expect(routeTrafficShares(route)).toEqual(shares);
  });
});
