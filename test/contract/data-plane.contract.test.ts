/**
 * The local data plane against the sandbox's real config cluster: it programs the shared Gateway's
 * status, splits the classic store route's traffic between tokyo and osaka, honours the pinned
 * paths, and picks up a route change (weight 0 drains a region) within a few polls.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import type { KubeAdapter } from '../../shared/adapters/kube.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { createLogger } from '../../shared/core/logger.ts';
import type { Gateway, HttpRoute } from '../../shared/routing/http-route.ts';
import { startDataPlane, type DataPlane, type DataPlaneReload } from '../../sandbox/data-plane/data-plane.ts';
import type { GatewayStatus } from '../../sandbox/data-plane/gateway-status.ts';
import { startStoreWorkloads, type StoreWorkloads } from '../../sandbox/data-plane/store-workloads.ts';
import { sendTraffic } from '../../sandbox/data-plane/traffic.ts';
import { waitForClassicRoute } from '../../sandbox/demo-watch.ts';
import { kubeFor, sandboxAdapters, sandboxInfo } from '../support/sandbox-clients.ts';

const CONFIG = { location: 'asia-northeast1-b', name: 'mc-gw-config-cluster' };
const GATEWAY = { name: 'external-http', namespace: 'store' };
const GATEWAY_REF = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', ...GATEWAY };
const HOST = 'store.example.com';
const log = createLogger({
  format: 'text',
  level: 'NOTICE',
  fields: { component: 'data-plane-contract' },
  write: (line) => process.stderr.write(line + '\n'),
});

function ownRoute(name: string, namespace: string, host: string, weights: { ne1: number; ne2: number }): HttpRoute {
  const backend = (region: string, weight: number) => ({
    group: 'net.gke.io',
    kind: 'ServiceImport',
    namespace: 'store',
    name: `store-${region}`,
    port: 8080,
    weight,
  });
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', ...GATEWAY }],
      hostnames: [host],
      rules: [{ backendRefs: [backend('asia-northeast1', weights.ne1), backend('asia-northeast2', weights.ne2)] }],
    },
  };
}

/** The reload version when store/store's default rule sends equal weights to tokyo and osaka. */
function evenDefaultRule(plane: DataPlane): string | undefined {
  const rule = plane.table().entries.find((e) => e.route === 'store/store' && e.path.value === '/');
  const weights = new Set(rule?.backends.map((b) => b.weight));
  const clusters = rule?.backends
    .flatMap((b) => b.clusters)
    .sort()
    .join(',');
  return rule?.backends.length === 2 && weights.size === 1 && !weights.has(0) && clusters === 'mc-gw-osaka,mc-gw-tokyo'
    ? plane.lastReload()?.version
    : undefined;
}

describe('local data plane on the sandbox config cluster', () => {
  let adapters: GcpAdapters;
  let kube: KubeAdapter;
  let workloads: StoreWorkloads;
  let plane: DataPlane;
  const ns = `dp-${randomBytes(3).toString('hex')}`;
  const ownHost = `${ns}.example.com`;
  let routeNamespace = ns;

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    kube = await kubeFor(adapters, CONFIG.location, CONFIG.name, 'data-plane-contract');
    workloads = await startStoreWorkloads(
      [
        { name: 'mc-gw-tokyo', zone: 'asia-northeast1-b' },
        { name: 'mc-gw-osaka', zone: 'asia-northeast2-b' },
      ],
      log,
    );
    const configKube = await kubeFor(adapters, CONFIG.location, CONFIG.name, 'fleetpilot-data-plane');
    plane = await startDataPlane({ configKube, gateway: GATEWAY, workloads, log, pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await plane?.stop();
    await workloads?.stop();
    await kube?.delete({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: routeNamespace, name: 'dp-route' });
    await kube?.delete({ apiVersion: 'v1', kind: 'Namespace', name: ns });
    await adapters?.close();
  });

  it('programs the shared Gateway: address 127.0.0.1, Accepted and Programmed for its generation', async () => {
    const live = await pollUntil(
      async () => {
        const gw = await kube.get<Gateway & { status?: GatewayStatus }>(GATEWAY_REF);
        const programmed = gw?.status?.conditions?.find((c) => c.type === 'Programmed');
        return gw?.status?.addresses?.some((a) => a.value === '127.0.0.1') &&
          programmed?.status === 'True' &&
          programmed.observedGeneration === gw.metadata.generation
          ? gw
          : undefined;
      },
      { timeoutMs: 15_000, what: 'the Gateway status to show the data plane' },
    );
    expect(live.status?.conditions.find((c) => c.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Accepted' });
    expect(live.status?.listeners.map((l) => l.name)).toEqual(live.spec.listeners.map((l) => l.name));
  });

  it('splits / between both clusters, and pins /tokyo and /osaka to their cluster', async () => {
    await waitForClassicRoute(adapters, sandboxInfo().token, 30_000);
    // Other test files may drain a region of store/store meanwhile: measure only under an even table.
    const spread = await pollUntil(
      async () => {
        const before = evenDefaultRule(plane);
        if (!before) return undefined;
        const result = await sendTraffic({ url: plane.url, host: HOST, path: '/', count: 1_000, concurrency: 20 });
        return plane.lastReload()?.version === before ? result : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 250, what: 'a traffic run while store/store splits evenly' },
    );
    log.notice('data plane throughput', {
      requests: spread.total,
      elapsedMs: spread.elapsedMs,
      requestsPerSecond: Math.round(spread.total / (spread.elapsedMs / 1000)),
      byCluster: spread.byCluster,
    });
    expect(spread).toMatchObject({ total: 1_000, errors: 0 });
    for (const cluster of ['mc-gw-tokyo', 'mc-gw-osaka']) {
      expect(spread.byCluster[cluster]).toBeGreaterThanOrEqual(350);
      expect(spread.byCluster[cluster]).toBeLessThanOrEqual(650);
    }
    expect((await sendTraffic({ url: plane.url, host: HOST, path: '/tokyo', count: 100 })).byCluster).toEqual({ 'mc-gw-tokyo': 100 });
    expect((await sendTraffic({ url: plane.url, host: HOST, path: '/osaka/cart', count: 100 })).byCluster).toEqual({ 'mc-gw-osaka': 100 });
  });

  it('picks up a new route and a weight change within a few polls (weight 0 takes no traffic)', async () => {
    const gw = await kube.get<Gateway>(GATEWAY_REF);
    // Routes from other namespaces attach only when a listener allows them; never modify the shared Gateway.
    if (!gw?.spec.listeners.some((l) => l.allowedRoutes?.namespaces?.from === 'All')) routeNamespace = 'store';
    else await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const key = `${routeNamespace}/dp-route`;
    const reloadOf = async (weights: { ne1: number; ne2: number }): Promise<{ reload: DataPlaneReload; latencyMs: number }> => {
      const started = Date.now();
      const { object } = await kube.apply(ownRoute('dp-route', routeNamespace, ownHost, weights));
      const generation = object.metadata.generation;
      const reload = await pollUntil(
        () => {
          const last = plane.lastReload();
          return last && last.generations[key] === generation ? last : undefined;
        },
        { timeoutMs: 10_000, intervalMs: 5, what: `the data plane to load ${key} generation ${generation}` },
      );
      return { reload, latencyMs: reload.at.getTime() - started };
    };

    const created = await reloadOf({ ne1: 1, ne2: 0 });
    const toTokyo = await sendTraffic({ url: plane.url, host: ownHost, count: 300 });
    expect(toTokyo).toMatchObject({ total: 300, errors: 0, byCluster: { 'mc-gw-tokyo': 300 } });

    const drained = await reloadOf({ ne1: 0, ne2: 1 });
    expect((await sendTraffic({ url: plane.url, host: ownHost, count: 300 })).byCluster).toEqual({ 'mc-gw-osaka': 300 });
    log.notice('data plane reload latency', { createdMs: created.latencyMs, weightChangeMs: drained.latencyMs, pollIntervalMs: 100 });
    expect(drained.latencyMs).toBeLessThan(5_000);

    await pollUntil(
      async () => {
        const status = (await kube.get<Gateway & { status?: GatewayStatus }>(GATEWAY_REF))?.status;
        return (status?.listeners ?? []).some((l) => l.attachedRoutes >= 2) ? true : undefined;
      },
      { timeoutMs: 10_000, what: 'the Gateway listener to count the new route' },
    );
  });

  it('answers 503 for a host no route serves', async () => {
    const result = await sendTraffic({ url: plane.url, host: `unknown-${ns}.example.com`, count: 5 });
    expect(result).toMatchObject({ total: 5, errors: 5, statuses: { 503: 5 } });
    expect(plane.stats().noRoute).toBeGreaterThanOrEqual(5);
  });
});
