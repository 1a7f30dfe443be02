import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import type { KubeAdapter, ObjectRef } from '../../shared/adapters/kube.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import { silentLogger } from '../../shared/core/logger.ts';
import { startDataPlane, type DataPlane } from '../../sandbox/data-plane/data-plane.ts';
import { startStoreWorkloads, type StoreWorkloads } from '../../sandbox/data-plane/store-workloads.ts';
import { sendTraffic } from '../../sandbox/data-plane/traffic.ts';
import { TrafficLedger } from '../../sandbox/data-plane/traffic-ledger.ts';

/** A tiny in-memory config cluster: just what the data plane reads and writes. */
function fakeConfigCluster(objects: KubernetesObject[]) {
  const statusWrites: Record<string, unknown>[] = [];
  let failing = false;
  const matches = (o: KubernetesObject, apiVersion: string, kind: string) => o.apiVersion === apiVersion && o.kind === kind;
  const kube = {
    async get(ref: ObjectRef) {
      if (failing) throw new Error('connection refused');
      return structuredClone(
        objects.find(
          (o) => matches(o, ref.apiVersion, ref.kind) && o.metadata?.name === ref.name && o.metadata?.namespace === ref.namespace,
        ) ?? null,
      );
    },
    async list(apiVersion: string, kind: string) {
      if (failing) throw new Error('connection refused');
      return structuredClone(objects.filter((o) => matches(o, apiVersion, kind)));
    },
    async patchStatus(ref: ObjectRef, _plural: string, status: Record<string, unknown>) {
      const live = objects.find((o) => o.kind === ref.kind && o.metadata?.name === ref.name) as KubernetesObject & { status?: unknown };
      live.status = structuredClone(status);
      statusWrites.push(status);
    },
  } as unknown as KubeAdapter;
  return {
    kube,
    objects,
    statusWrites,
    fail: (on: boolean) => {
      failing = on;
    },
  };
}

const gateway = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'Gateway',
  metadata: { name: 'external-http', namespace: 'store', generation: 1 },
  spec: {
    gatewayClassName: 'gke-l7-global-external-managed-mc',
    listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }],
  },
};
const serviceImport = (name: string, clusters: string[]) => ({
  apiVersion: 'net.gke.io/v1',
  kind: 'ServiceImport',
  metadata: { name, namespace: 'store' },
  status: { clusters: clusters.map((cluster) => ({ cluster })) },
});
const route = (generation: number, weights: [number, number]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'store', namespace: 'store', generation },
  spec: {
    parentRefs: [{ name: 'external-http' }],
    hostnames: ['store.example.com'],
    rules: [
      {
        backendRefs: [
          { group: 'net.gke.io', kind: 'ServiceImport', name: 'store-ne1', port: 8080, weight: weights[0] },
          { group: 'net.gke.io', kind: 'ServiceImport', name: 'store-ne2', port: 8080, weight: weights[1] },
        ],
      },
      {
        matches: [{ path: { type: 'PathPrefix', value: '/gone' } }],
        backendRefs: [{ group: 'net.gke.io', kind: 'ServiceImport', name: 'store-gone', port: 8080 }],
      },
    ],
  },
});

describe('data plane (in-memory config cluster, loopback workloads)', () => {
  let workloads: StoreWorkloads | undefined;
  let plane: DataPlane | undefined;
  afterEach(async () => {
    await plane?.stop();
    await workloads?.stop();
  });

  it('proxies by weight, answers 503 and 502, writes Gateway status once, reloads on change, and fails static', async () => {
    const config = fakeConfigCluster([
      gateway,
      route(1, [1, 1]),
      serviceImport('store-ne1', ['tokyo']),
      serviceImport('store-ne2', ['osaka']),
      serviceImport('store-gone', ['gone']),
    ]);
    workloads = await startStoreWorkloads(
      [
        { name: 'tokyo', zone: 'z1' },
        { name: 'osaka', zone: 'z2' },
      ],
      silentLogger(),
    );
    plane = await startDataPlane({
      configKube: config.kube,
      gateway: { name: 'external-http', namespace: 'store' },
      workloads,
      log: silentLogger(),
      pollIntervalMs: 10,
    });
    expect(plane.lastReload()).toMatchObject({ routes: 1, generations: { 'store/store': 1 } });

    const spread = await sendTraffic({ url: plane.url, host: 'store.example.com', count: 400 });
    expect(spread).toMatchObject({ total: 400, errors: 0, statuses: { 200: 400 } });
    expect(spread.byCluster.tokyo).toBeGreaterThan(120);
    expect(spread.byCluster.osaka).toBeGreaterThan(120);
    expect(await sendTraffic({ url: plane.url, host: 'nope.example.com', count: 3 })).toMatchObject({ errors: 3, statuses: { 503: 3 } });
    expect(await sendTraffic({ url: plane.url, host: 'store.example.com', path: '/gone', count: 2 })).toMatchObject({
      errors: 2,
      statuses: { 502: 2 },
    });
    workloads.setFault('tokyo', 500);
    const faulty = await sendTraffic({ url: plane.url, host: 'store.example.com', count: 100 });
    expect(faulty.statuses['500']! + faulty.statuses['200']!).toBe(100);
    workloads.setFault('tokyo', undefined);

    await pollUntil(() => (config.statusWrites.length > 0 ? true : undefined), { timeoutMs: 2_000, what: 'a status write' });
    expect(config.statusWrites[0]).toMatchObject({
      addresses: [{ type: 'IPAddress', value: '127.0.0.1' }],
      conditions: [
        { type: 'Accepted', status: 'True', observedGeneration: 1 },
        { type: 'Programmed', status: 'True', observedGeneration: 1 },
      ],
      listeners: [{ name: 'http', attachedRoutes: 1 }],
    });

    config.objects[1] = route(2, [1, 0]);
    await pollUntil(() => (plane!.lastReload()?.generations['store/store'] === 2 ? true : undefined), {
      timeoutMs: 2_000,
      what: 'the reload',
    });
    expect((await sendTraffic({ url: plane.url, host: 'store.example.com', count: 200 })).byCluster).toEqual({ tokyo: 200 });

    config.fail(true);
    await pollUntil(() => (plane!.stats().pollErrors > 2 ? true : undefined), { timeoutMs: 2_000, what: 'failed polls' });
    expect((await sendTraffic({ url: plane.url, host: 'store.example.com', count: 50 })).byCluster).toEqual({ tokyo: 50 });
    config.fail(false);
    await pollUntil(() => (plane!.stats().polls > plane!.stats().pollErrors + 10 ? true : undefined), {
      timeoutMs: 2_000,
      what: 'more polls',
    });
    expect(config.statusWrites).toHaveLength(1);
    expect(plane.stats()).toMatchObject({ reloads: 2, statusWrites: 1, noRoute: 3, unreachable: 2 });
  });

  it('counts every answer in the traffic ledger: by serving cluster, and its own 502s and 503s', async () => {
    const config = fakeConfigCluster([
      gateway,
      route(1, [1, 0]),
      serviceImport('store-ne1', ['tokyo']),
      serviceImport('store-ne2', ['osaka']),
      serviceImport('store-gone', ['gone']),
    ]);
    workloads = await startStoreWorkloads([{ name: 'tokyo', zone: 'z1' }], silentLogger());
    const ledger = new TrafficLedger();
    plane = await startDataPlane({
      configKube: config.kube,
      gateway: { name: 'external-http', namespace: 'store' },
      workloads,
      log: silentLogger(),
      ledger,
    });
    const from = Date.now() - 1_000;
    await sendTraffic({ url: plane.url, host: 'store.example.com', count: 20 });
    workloads.setFault('tokyo', 503);
    await sendTraffic({ url: plane.url, host: 'store.example.com', count: 5 });
    await sendTraffic({ url: plane.url, host: 'nope.example.com', count: 3 });
    await sendTraffic({ url: plane.url, host: 'store.example.com', path: '/gone', count: 2 });
    const totals: Record<string, number> = {};
    for (const b of ledger.read(from, Date.now() + 1_000))
      totals[`${b.cluster} ${b.codeClass}`] = (totals[`${b.cluster} ${b.codeClass}`] ?? 0) + b.count;
    expect(totals).toEqual({ 'tokyo 200': 20, 'tokyo 500': 5, 'null 500': 3, 'gone 500': 2 });
  });

  it('refuses to send traffic anywhere but loopback, or without bounds', async () => {
    await expect(sendTraffic({ url: 'http://example.com', host: 'h', count: 1 })).rejects.toThrow(/loopback/);
    await expect(sendTraffic({ url: 'http://127.0.0.1:1', host: 'h', count: 10_000_000 })).rejects.toThrow(/count/);
    await expect(sendTraffic({ url: 'http://127.0.0.1:1', host: 'h', count: 1, concurrency: 0 })).rejects.toThrow(/concurrency/);
    expect(await sendTraffic({ url: 'http://127.0.0.1:1', host: 'h', count: 2 })).toMatchObject({
      total: 2,
      errors: 2,
      statuses: { error: 2 },
    });
  });
});
