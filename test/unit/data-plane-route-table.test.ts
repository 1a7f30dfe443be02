import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HttpRoute, ParentRef } from '../../shared/routing/http-route.ts';
import { buildRouteTable, pickBackend, type ImportedService, type TableGateway } from '../../sandbox/data-plane/route-table.ts';

const GATEWAY: TableGateway = {
  name: 'external-http',
  namespace: 'store',
  listeners: [{ name: 'http', port: 80, allowedRoutes: { namespaces: { from: 'All' } } }],
};
const IMPORTS: ImportedService[] = [
  { namespace: 'store', name: 'store-asia-northeast1', clusters: ['mc-gw-tokyo', 'mc-gw-tokyo-2'] },
  { namespace: 'store', name: 'store-asia-northeast2', clusters: ['mc-gw-osaka'] },
  { namespace: 'store', name: 'store-mc-gw-tokyo', clusters: ['mc-gw-tokyo'] },
  { namespace: 'store', name: 'store-mc-gw-osaka', clusters: ['mc-gw-osaka'] },
  { namespace: 'store', name: 'store-empty', clusters: [] },
];

interface RuleSpec {
  path?: string;
  type?: 'PathPrefix' | 'Exact' | 'RegularExpression';
  headers?: boolean;
  backends: Array<[string, number?] | { kind: string; name: string }>;
}

function route(
  name: string,
  rules: RuleSpec[],
  opts: { namespace?: string; hostnames?: string[]; parent?: Partial<ParentRef>; created?: string } = {},
): HttpRoute {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: {
      name,
      namespace: opts.namespace ?? 'store',
      ...(opts.created ? { creationTimestamp: opts.created as unknown as Date } : {}),
    },
    spec: {
      parentRefs: [{ kind: 'Gateway', name: 'external-http', namespace: 'store', ...opts.parent }],
      hostnames: opts.hostnames ?? ['store.example.com'],
      rules: rules.map((r) => ({
        ...(r.path === undefined
          ? {}
          : {
              matches: [
                { path: { type: r.type ?? 'PathPrefix', value: r.path }, ...(r.headers ? { headers: [{ name: 'x', value: 'y' }] } : {}) },
              ],
            }),
        backendRefs: r.backends.map((b) =>
          Array.isArray(b)
            ? {
                group: 'net.gke.io',
                kind: 'ServiceImport',
                name: b[0],
                namespace: 'store',
                port: 8080,
                ...(b[1] === undefined ? {} : { weight: b[1] }),
              }
            : { group: '', kind: b.kind, name: b.name, port: 8080 },
        ),
      })),
    },
  };
}

const STORE = route('store', [
  {
    path: '/',
    backends: [
      ['store-asia-northeast1', 50],
      ['store-asia-northeast2', 50],
    ],
  },
  { path: '/tokyo', backends: [['store-mc-gw-tokyo']] },
  { path: '/osaka', backends: [['store-mc-gw-osaka']] },
]);
const ANY = ['mc-gw-tokyo', 'mc-gw-tokyo-2', 'mc-gw-osaka'];

const cases: Array<{
  name: string;
  routes: HttpRoute[];
  host?: string;
  path: string;
  gateway?: TableGateway;
  expect: string[] | 'no-route' | 'no-backend';
}> = [
  { name: 'default rule spreads over both regions', routes: [STORE], path: '/', expect: ANY },
  { name: 'a pinned path goes to its cluster', routes: [STORE], path: '/tokyo', expect: ['mc-gw-tokyo'] },
  { name: 'a PathPrefix matches deeper segments', routes: [STORE], path: '/osaka/cart?item=1', expect: ['mc-gw-osaka'] },
  { name: 'a PathPrefix does not match a longer segment', routes: [STORE], path: '/tokyox', expect: ANY },
  {
    name: 'Host header port and case are ignored',
    routes: [STORE],
    host: 'Store.Example.COM:8080',
    path: '/tokyo',
    expect: ['mc-gw-tokyo'],
  },
  { name: 'an unknown host has no route', routes: [STORE], host: 'other.example.com', path: '/', expect: 'no-route' },
  {
    name: 'a trailing slash on the prefix is ignored',
    routes: [route('r', [{ path: '/tokyo/', backends: [['store-mc-gw-tokyo']] }])],
    path: '/tokyo',
    expect: ['mc-gw-tokyo'],
  },
  {
    name: 'a path outside every prefix has no route',
    routes: [route('r', [{ path: '/tokyo', backends: [['store-mc-gw-tokyo']] }])],
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'Exact beats a longer PathPrefix',
    routes: [
      route('r', [
        { path: '/a/b', backends: [['store-mc-gw-osaka']] },
        { path: '/a/b', type: 'Exact', backends: [['store-mc-gw-tokyo']] },
      ]),
    ],
    path: '/a/b',
    expect: ['mc-gw-tokyo'],
  },
  {
    name: 'a wildcard matches one or more labels',
    routes: [route('w', [{ backends: [['store-mc-gw-osaka']] }], { hostnames: ['*.example.com'] })],
    host: 'a.b.example.com',
    path: '/',
    expect: ['mc-gw-osaka'],
  },
  {
    name: 'a wildcard does not match its bare suffix',
    routes: [route('w', [{ backends: [['store-mc-gw-osaka']] }], { hostnames: ['*.example.com'] })],
    host: 'example.com',
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'an exact hostname beats a wildcard with a longer path',
    routes: [
      route('w', [{ path: '/tokyo', backends: [['store-mc-gw-osaka']] }], { hostnames: ['*.example.com'] }),
      route('e', [{ path: '/', backends: [['store-mc-gw-tokyo']] }]),
    ],
    path: '/tokyo',
    expect: ['mc-gw-tokyo'],
  },
  {
    name: 'a route without hostnames catches every host',
    routes: [route('c', [{ backends: [['store-mc-gw-osaka']] }], { hostnames: [] })],
    host: 'x.test',
    path: '/',
    expect: ['mc-gw-osaka'],
  },
  {
    name: 'the oldest route wins a tie',
    routes: [
      route('b', [{ path: '/', backends: [['store-mc-gw-osaka']] }], { created: '2024-01-02T00:00:00Z' }),
      route('a', [{ path: '/', backends: [['store-mc-gw-tokyo']] }], { created: '2024-01-01T00:00:00Z' }),
    ],
    path: '/',
    expect: ['mc-gw-tokyo'],
  },
  {
    name: 'all-zero weights have no backend',
    routes: [
      route('z', [
        {
          backends: [
            ['store-asia-northeast1', 0],
            ['store-asia-northeast2', 0],
          ],
        },
      ]),
    ],
    path: '/',
    expect: 'no-backend',
  },
  { name: 'a rule without backendRefs has no backend', routes: [route('z', [{ backends: [] }])], path: '/', expect: 'no-backend' },
  {
    name: 'weight 0 is never chosen',
    routes: [
      route('z', [
        {
          backends: [
            ['store-asia-northeast1', 1],
            ['store-asia-northeast2', 0],
          ],
        },
      ]),
    ],
    path: '/',
    expect: ['mc-gw-tokyo', 'mc-gw-tokyo-2'],
  },
  {
    name: 'a missing ServiceImport has no backend',
    routes: [route('m', [{ backends: [['store-nowhere']] }])],
    path: '/',
    expect: 'no-backend',
  },
  {
    name: 'a ServiceImport without clusters has no backend',
    routes: [route('m', [{ backends: [['store-empty']] }])],
    path: '/',
    expect: 'no-backend',
  },
  {
    name: 'a Service backend is not resolvable',
    routes: [route('s', [{ backends: [{ kind: 'Service', name: 'store' }] }])],
    path: '/',
    expect: 'no-backend',
  },
  {
    name: 'rules matching headers are not evaluated',
    routes: [route('h', [{ path: '/', headers: true, backends: [['store-mc-gw-tokyo']] }])],
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'routes of another Gateway do not count',
    routes: [route('o', [{ backends: [['store-mc-gw-tokyo']] }], { parent: { name: 'internal-http' } })],
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'a parentRef namespace defaults to the route namespace',
    routes: [route('o', [{ backends: [['store-mc-gw-tokyo']] }], { namespace: 'team', parent: { namespace: undefined } })],
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'a listener allowing Same refuses other namespaces',
    gateway: { ...GATEWAY, listeners: [{ name: 'http', allowedRoutes: { namespaces: { from: 'Same' } } }] },
    routes: [route('o', [{ backends: [['store-mc-gw-tokyo']] }], { namespace: 'team' })],
    path: '/',
    expect: 'no-route',
  },
  {
    name: 'a listener allowing All admits other namespaces',
    routes: [route('o', [{ backends: [['store-mc-gw-tokyo']] }], { namespace: 'team' })],
    path: '/',
    expect: ['mc-gw-tokyo'],
  },
  {
    name: 'a sectionName naming no listener does not attach',
    routes: [route('o', [{ backends: [['store-mc-gw-tokyo']] }], { parent: { sectionName: 'https' } })],
    path: '/',
    expect: 'no-route',
  },
];

describe('data plane route table', () => {
  it.each(cases)('$name', ({ routes, host, path, gateway, expect: expected }) => {
    const table = buildRouteTable(gateway ?? GATEWAY, routes, IMPORTS);
    const seen = new Set<string>();
    // Pairs of draws: the first picks among weighted backends, the second among clusters.
    for (const draws of [
      [0, 0],
      [0, 0.9],
      [0.9, 0],
      [0.9, 0.9],
      [0.3, 0.6],
      [0.6, 0.3],
      [0.9999, 0.9999],
    ]) {
      let n = 0;
      const pick = pickBackend(table, host ?? 'store.example.com', path, () => draws[n++ % 2]!);
      if (typeof expected === 'string') {
        expect(pick).toEqual({ error: expected });
      } else {
        expect(pick).toHaveProperty('cluster');
        if ('cluster' in pick) seen.add(pick.cluster);
      }
    }
    if (Array.isArray(expected)) expect([...seen].sort()).toEqual([...expected].sort());
  });

  it('counts attached routes per listener and names the chosen ServiceImport and route', () => {
    const table = buildRouteTable(
      GATEWAY,
      [STORE, route('o', [{ backends: [['store-mc-gw-tokyo']] }], { parent: { name: 'other' } })],
      IMPORTS,
    );
    expect(table.routes).toEqual(['store/store']);
    expect(table.attachedRoutes).toEqual({ http: 1 });
    expect(pickBackend(table, 'store.example.com', '/tokyo', () => 0)).toEqual({
      cluster: 'mc-gw-tokyo',
      serviceImport: 'store-mc-gw-tokyo',
      namespace: 'store',
      route: 'store/store',
    });
  });
});

/** A seeded PRNG (mulberry32) so that the empirical split is reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('data plane weighted choice (property)', () => {
  const weightsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 0, max: 1_000_000 })), {
    minLength: 1,
    maxLength: 16,
  });

  it('never chooses a weight-0 backend, and follows the weights over many picks', () => {
    fc.assert(
      fc.property(weightsArb, fc.integer(), (weights, seed) => {
        const imports = weights.map((_, i) => ({ namespace: 'store', name: `b${i}`, clusters: [`c${i}`] }));
        const table = buildRouteTable(
          GATEWAY,
          [route('p', [{ backends: weights.map((w, i): [string, number] => [`b${i}`, w]) }])],
          imports,
        );
        const total = weights.reduce((s, w) => s + w, 0);
        const random = seeded(seed);
        const picks = 20_000;
        const counts = new Map<string, number>();
        for (let n = 0; n < picks; n++) {
          const pick = pickBackend(table, 'store.example.com', '/', random);
          if (total === 0) {
            expect(pick).toEqual({ error: 'no-backend' });
            return;
          }
          if (!('cluster' in pick)) throw new Error(`unexpected ${JSON.stringify(pick)}`);
          counts.set(pick.cluster, (counts.get(pick.cluster) ?? 0) + 1);
        }
        weights.forEach((w, i) => {
          const share = (counts.get(`c${i}`) ?? 0) / picks;
          if (w === 0) expect(share).toBe(0);
          else expect(Math.abs(share - w / total)).toBeLessThan(0.03);
        });
      }),
      { numRuns: 60 },
    );
  });

  it('spreads uniformly over the clusters that export the chosen ServiceImport', () => {
    const table = buildRouteTable(
      GATEWAY,
      [route('u', [{ backends: [['svc']] }])],
      [{ namespace: 'store', name: 'svc', clusters: ['a', 'b', 'c', 'd'] }],
    );
    const random = seeded(7);
    const counts: Record<string, number> = {};
    for (let n = 0; n < 20_000; n++) {
      const pick = pickBackend(table, 'store.example.com', '/', random);
      if ('cluster' in pick) counts[pick.cluster] = (counts[pick.cluster] ?? 0) + 1;
    }
    for (const c of ['a', 'b', 'c', 'd']) expect(Math.abs((counts[c] ?? 0) / 20_000 - 0.25)).toBeLessThan(0.02);
  });
});
