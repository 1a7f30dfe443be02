import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../shared/core/logger.ts';
import { startStoreWorkloads, storeAnswer, type StoreWorkloads } from '../../sandbox/data-plane/store-workloads.ts';

function get(url: string, host: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown> }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('store workloads', () => {
  let workloads: StoreWorkloads | undefined;
  afterEach(async () => workloads?.stop());

  it('answers like the classic store app, per cluster, alternating pods', async () => {
    workloads = await startStoreWorkloads(
      [
        { name: 'mc-gw-tokyo', zone: 'asia-northeast1-b' },
        { name: 'mc-gw-osaka', zone: 'asia-northeast2-b', replicas: 1 },
      ],
      silentLogger(),
    );
    const url = workloads.urlOf('mc-gw-tokyo')!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const first = await get(`${url}/tokyo/cart?x=1`, 'store.example.com');
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      cluster_name: 'mc-gw-tokyo',
      zone: 'asia-northeast1-b',
      host_header: 'store.example.com',
      pod_name: 'store-mc-gw-tokyo-0',
      pod_namespace: 'store',
      path: '/tokyo/cart?x=1',
      timestamp: expect.any(String) as unknown,
    });
    expect((await get(`${url}/`, 'store.example.com')).body.pod_name).toBe('store-mc-gw-tokyo-1');
    const osaka = await get(`${workloads.urlOf('mc-gw-osaka')!}/`, 'x.example.com');
    expect(osaka.body).toMatchObject({
      cluster_name: 'mc-gw-osaka',
      zone: 'asia-northeast2-b',
      pod_name: 'store-mc-gw-osaka-0',
      host_header: 'x.example.com',
    });
  });

  it('adds and removes clusters while running, and injects faults', async () => {
    workloads = await startStoreWorkloads([], silentLogger());
    const url = await workloads.addCluster({ name: 'c1', zone: 'z-a' });
    expect(await workloads.addCluster({ name: 'c1', zone: 'z-a' })).toBe(url);
    expect(workloads.clusters()).toEqual(['c1']);
    workloads.setFault('c1', 503);
    expect(await get(url, 'h')).toMatchObject({ status: 503, body: { cluster_name: 'c1', error: 'injected fault 503' } });
    workloads.setFault('c1', undefined);
    expect((await get(url, 'h')).status).toBe(200);
    expect(await workloads.removeCluster('c1')).toBe(true);
    expect(await workloads.removeCluster('c1')).toBe(false);
    expect(workloads.urlOf('c1')).toBeUndefined();
    await expect(get(url, 'h')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('builds the answer as a pure function', () => {
    expect(storeAnswer({ name: 'c', zone: 'z' }, 3, 'h', '/p', new Date(0))).toEqual({
      cluster_name: 'c',
      zone: 'z',
      host_header: 'h',
      pod_name: 'store-c-3',
      pod_namespace: 'store',
      path: '/p',
      timestamp: '1970-01-01T00:00:00.000Z',
    });
  });
});
