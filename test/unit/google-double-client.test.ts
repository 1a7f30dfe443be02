// The REAL @google-cloud/container client (google-gax REST fallback) against the double on a loopback
// port: proves the HTTP bindings, JSON field names and enum encodings the library uses all work.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { ClusterManagerClient } from '@google-cloud/container';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';

describe('google double: real ClusterManagerClient over HTTP', () => {
  let d: TestDouble;
  let server: ServerType;
  let client: ClusterManagerClient;
  let authClient: OAuth2Client;
  let base: string;

  beforeAll(async () => {
    d = testDouble({ operationDelayMs: 0, clock: () => new Date() });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: d.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    const { port } = server.address() as AddressInfo;
    base = `http://127.0.0.1:${port}`;
    authClient = new OAuth2Client();
    authClient.setCredentials({ access_token: d.token });
    client = new ClusterManagerClient({
      fallback: true,
      protocol: 'http',
      apiEndpoint: '127.0.0.1',
      port,
      authClient,
      projectId: 'fleet-demo',
    });
  });

  afterAll(async () => {
    await client.close();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  });

  it('creates, polls, gets, lists and deletes a cluster', async () => {
    const parent = 'projects/fleet-demo/locations/asia-northeast1-b';
    const [op] = await client.createCluster({
      parent,
      cluster: { name: 'mc-gw-tokyo', resourceLabels: { env: 'demo' }, fleet: { project: 'fleet-demo' } },
    });
    expect(op.operationType).toBe('CREATE_CLUSTER');
    expect(op.name).toMatch(/^operation-/);
    await d.state.whenIdle();

    const [done] = await client.getOperation({ name: `${parent}/operations/${op.name ?? ''}` });
    expect(done.status).toBe('DONE');
    const [zonalOp] = await client.getOperation({ projectId: 'fleet-demo', zone: 'asia-northeast1-b', operationId: op.name ?? '' });
    expect(zonalOp.status).toBe('DONE');

    const [cluster] = await client.getCluster({ name: `${parent}/clusters/mc-gw-tokyo` });
    expect(cluster.status).toBe('RUNNING');
    expect(cluster.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(Buffer.from(cluster.masterAuth?.clusterCaCertificate ?? '', 'base64').toString()).toContain('BEGIN CERTIFICATE');
    expect(cluster.resourceLabels).toEqual({ env: 'demo' });
    expect(cluster.fleet?.membership).toBe('//gkehub.googleapis.com/projects/123456789012/locations/global/memberships/mc-gw-tokyo');
    expect(cluster.workloadIdentityConfig?.workloadPool).toBe('fleet-demo.svc.id.goog');

    const [list] = await client.listClusters({ parent: 'projects/fleet-demo/locations/-' });
    expect(list.clusters?.map((c) => c.name)).toEqual(['mc-gw-tokyo']);
    const [zonalList] = await client.listClusters({ projectId: 'fleet-demo', zone: '-' });
    expect(zonalList.clusters).toHaveLength(1);

    const [del] = await client.deleteCluster({ name: `${parent}/clusters/mc-gw-tokyo` });
    expect(del.operationType).toBe('DELETE_CLUSTER');
    await d.state.whenIdle();
    // google-gax 5 fetches through the auth client (gaxios 7), which throws on non-2xx before gax can
    // decode: errors surface as GaxiosError with the HTTP status and Google's JSON body as the message.
    const gone = await client.getCluster({ name: `${parent}/clusters/mc-gw-tokyo` }).catch((err: unknown) => err);
    expect(gone).toMatchObject({ status: 404 });
    expect(JSON.parse((gone as Error).message)).toMatchObject({ error: { code: 404, status: 'NOT_FOUND' } });

    expect(
      d.published.map((e) => [e.protoPayload.methodName.split('.').pop(), e.operation.first ?? false, e.operation.last ?? false]),
    ).toEqual([
      ['CreateCluster', true, false],
      ['CreateCluster', false, true],
      ['DeleteCluster', true, false],
      ['DeleteCluster', false, true],
    ]);
  });

  it('surfaces Google errors as gax errors (409 ALREADY_EXISTS)', async () => {
    await d.state.seedCluster({ name: 'dup', location: 'us-central1' });
    await expect(client.createCluster({ projectId: 'fleet-demo', zone: 'us-central1', cluster: { name: 'dup' } })).rejects.toMatchObject({
      status: 409,
      message: expect.stringContaining('ALREADY_EXISTS') as string,
    });
  });

  it('serves GKE Hub to google-auth-library requests', async () => {
    await d.state.seedCluster({ name: 'mc-gw-osaka', location: 'asia-northeast2-b' });
    const link = '//container.googleapis.com/projects/fleet-demo/locations/asia-northeast2-b/clusters/mc-gw-osaka';
    const created = await authClient.request<{ name: string }>({
      url: `${base}/v1/projects/fleet-demo/locations/global/memberships?membershipId=mc-gw-osaka`,
      method: 'POST',
      data: { endpoint: { gkeCluster: { resourceLink: link } } },
    });
    const op = await authClient.request<{ done: boolean; response?: { state?: unknown } }>({ url: `${base}/v1/${created.data.name}` });
    expect(op.data.done).toBe(true);
    expect(op.data.response?.state).toEqual({ code: 'READY' });
    const list = await authClient.request<{ resources: { name: string }[] }>({
      url: `${base}/v1/projects/fleet-demo/locations/global/memberships`,
      params: { pageSize: 10 },
    });
    expect(list.data.resources.map((m) => m.name)).toContain('projects/fleet-demo/locations/global/memberships/mc-gw-osaka');
    await expect(authClient.request({ url: `${base}/v1/projects/fleet-demo/locations/global/memberships/nope` })).rejects.toMatchObject({
      status: 404,
    });
  });
});
