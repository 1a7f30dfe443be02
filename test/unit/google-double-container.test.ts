import { describe, expect, it } from 'vitest';
import { at, bodyOf as json, pluck, testDouble } from '../../sandbox/google-double/testing.ts';

const CLUSTERS = '/v1/projects/fleet-demo/locations/asia-northeast1-b/clusters';

describe('google double: Container v1 clusters', () => {
  it('creates a cluster: operation RUNNING, then DONE with endpoint, CA and two audit entries', async () => {
    const d = testDouble();
    const release = d.provisioner.hold();
    const res = await d.call('POST', CLUSTERS, {
      cluster: { name: 'mc-gw-tokyo', resourceLabels: { env: 'demo' }, fleet: { project: 'fleet-demo' } },
      parent: 'projects/fleet-demo/locations/asia-northeast1-b',
    });
    expect(res.status).toBe(200);
    const op = await json(res);
    expect(op).toMatchObject({
      operationType: 'CREATE_CLUSTER',
      status: 'RUNNING',
      zone: 'asia-northeast1-b',
      location: 'asia-northeast1-b',
    });
    expect(op['name']).toMatch(/^operation-\d+-/);
    expect(op['targetLink']).toBe('https://container.googleapis.com/v1/projects/123456789012/zones/asia-northeast1-b/clusters/mc-gw-tokyo');

    const pending = await json(d.call('GET', `${CLUSTERS}/mc-gw-tokyo`));
    expect(pending['status']).toBe('PROVISIONING');
    expect(pending['endpoint']).toBeUndefined();
    expect(
      (await json(d.call('GET', `/v1/projects/fleet-demo/locations/asia-northeast1-b/operations/${String(op['name'])}`)))['status'],
    ).toBe('RUNNING');

    d.clock.advance(300);
    release();
    await d.state.whenIdle();

    const done = await json(d.call('GET', `/v1/projects/fleet-demo/locations/asia-northeast1-b/operations/${String(op['name'])}`));
    expect(done).toMatchObject({ status: 'DONE', endTime: '2025-01-15T09:00:00.300Z' });
    const cluster = await json(d.call('GET', `${CLUSTERS}/mc-gw-tokyo`));
    expect(cluster).toMatchObject({
      name: 'mc-gw-tokyo',
      status: 'RUNNING',
      endpoint: '127.0.0.1:16444',
      location: 'asia-northeast1-b',
      zone: 'asia-northeast1-b',
      locations: ['asia-northeast1-b'],
      resourceLabels: { env: 'demo' },
      network: 'default',
      workloadIdentityConfig: { workloadPool: 'fleet-demo.svc.id.goog' },
      fleet: {
        project: 'fleet-demo',
        membership: '//gkehub.googleapis.com/projects/123456789012/locations/global/memberships/mc-gw-tokyo',
      },
      createTime: '2025-01-15T09:00:00+00:00',
    });
    expect(cluster['id']).toMatch(/^[0-9a-f]{64}$/);
    expect(Buffer.from(String(at(cluster, 'masterAuth.clusterCaCertificate')), 'base64').toString()).toContain('FAKE-CA-mc-gw-tokyo');

    expect(d.published).toHaveLength(2);
    const [first, last] = d.published;
    expect(first?.operation).toEqual({ id: op['name'], producer: 'container.googleapis.com', first: true });
    expect(last?.operation).toEqual({ id: op['name'], producer: 'container.googleapis.com', last: true });
    for (const entry of d.published) {
      expect(entry.resource).toEqual({
        type: 'gke_cluster',
        labels: { project_id: 'fleet-demo', location: 'asia-northeast1-b', cluster_name: 'mc-gw-tokyo' },
      });
      expect(entry.protoPayload.methodName).toMatch(/^google\.container\.v1(beta1)?\.ClusterManager\.CreateCluster$/);
      expect(entry.protoPayload.resourceName).toBe('projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-tokyo');
    }
    expect(first?.protoPayload['request']).toMatchObject({ cluster: { name: 'mc-gw-tokyo' } });
    expect(first?.protoPayload['response']).toMatchObject({ name: op['name'], status: 'RUNNING' });
    expect(last?.protoPayload.status).toEqual({});
    expect(last?.severity).toBe('NOTICE');

    const membership = await json(d.call('GET', '/v1/projects/fleet-demo/locations/global/memberships/mc-gw-tokyo'));
    expect(membership['state']).toEqual({ code: 'READY' });
  });

  it('records a failed provision: cluster ERROR, operation error, last entry with code 13', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    d.provisioner.failNextProvision = new Error('kube-apiserver did not become ready');
    const op = await json(d.call('POST', '/v1/projects/fleet-demo/locations/us-central1/clusters', { cluster: { name: 'broken' } }));
    await d.state.whenIdle();
    const cluster = await json(d.call('GET', '/v1/projects/fleet-demo/locations/us-central1/clusters/broken'));
    expect(cluster).toMatchObject({
      status: 'ERROR',
      statusMessage: 'kube-apiserver did not become ready',
      locations: ['us-central1-a', 'us-central1-b', 'us-central1-c'],
    });
    const done = await json(d.call('GET', `/v1/projects/fleet-demo/locations/us-central1/operations/${String(op['name'])}`));
    expect(done).toMatchObject({ status: 'DONE', error: { code: 13, message: 'kube-apiserver did not become ready' } });
    expect(d.published.map((e) => e.operation)).toEqual([
      { id: op['name'], producer: 'container.googleapis.com', first: true },
      { id: op['name'], producer: 'container.googleapis.com', last: true },
    ]);
    expect(d.published[1]?.protoPayload.status).toEqual({ code: 13, message: 'kube-apiserver did not become ready' });
    expect(d.published[1]?.severity).toBe('ERROR');
  });

  it('deletes through the zones path: STOPPING, deprovisioned, gone, zones resourceName', async () => {
    const d = testDouble();
    await d.state.seedCluster({ name: 'mc-gw-osaka', location: 'asia-northeast2-b', fleetProject: 'fleet-demo' });
    expect(d.published).toHaveLength(0);
    const release = d.provisioner.hold();
    const zonal = '/v1/projects/fleet-demo/zones/asia-northeast2-b/clusters/mc-gw-osaka';
    const op = await json(d.call('DELETE', zonal));
    expect(op).toMatchObject({ operationType: 'DELETE_CLUSTER', status: 'RUNNING' });
    expect((await json(d.call('GET', zonal)))['status']).toBe('STOPPING');
    expect((await d.call('DELETE', zonal)).status).toBe(400);
    d.clock.advance(300);
    release();
    await d.state.whenIdle();
    expect((await d.call('GET', zonal)).status).toBe(404);
    expect(d.provisioner.deprovisioned).toEqual([{ name: 'mc-gw-osaka', location: 'asia-northeast2-b' }]);
    expect((await d.call('GET', '/v1/projects/fleet-demo/locations/global/memberships/mc-gw-osaka')).status).toBe(404);
    expect(d.published.map((e) => [e.protoPayload.resourceName, e.operation.first ?? false, e.operation.last ?? false])).toEqual([
      ['projects/fleet-demo/zones/asia-northeast2-b/clusters/mc-gw-osaka', true, false],
      ['projects/fleet-demo/zones/asia-northeast2-b/clusters/mc-gw-osaka', false, true],
    ]);
    expect(d.published[0]?.protoPayload['request']).toMatchObject({
      projectId: 'fleet-demo',
      zone: 'asia-northeast2-b',
      clusterId: 'mc-gw-osaka',
    });
    expect((await json(d.call('GET', `/v1/projects/fleet-demo/zones/asia-northeast2-b/operations/${String(op['name'])}`)))['status']).toBe(
      'DONE',
    );
  });

  it('lists across locations with "-", answers 404/409/400 in Google shape', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.state.seedCluster({ name: 'a', location: 'asia-northeast1-b' });
    await d.state.seedCluster({ name: 'b', location: 'us-central1' });
    const all = await json(d.call('GET', '/v1/projects/123456789012/locations/-/clusters'));
    expect(pluck(all, 'clusters')).toEqual(['a', 'b']);
    expect(all['missingZones']).toEqual([]);
    expect((await json(d.call('GET', '/v1/projects/fleet-demo/zones/us-central1/clusters')))['clusters']).toHaveLength(1);
    const missing = await d.call('GET', `${CLUSTERS}/nope`);
    expect(missing.status).toBe(404);
    expect(await json(missing)).toEqual({
      error: { code: 404, message: expect.stringContaining('clusters/nope') as unknown, status: 'NOT_FOUND' },
    });
    const dup = await d.call('POST', CLUSTERS, { cluster: { name: 'a' } });
    expect(dup.status).toBe(409);
    expect(at(await json(dup), 'error.status')).toBe('ALREADY_EXISTS');
    const bad = await d.call('POST', CLUSTERS, { cluster: { name: 'Bad_Name' } });
    expect(at(await json(bad), 'error')).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((await d.call('GET', '/v1/projects/other-project/locations/-/clusters')).status).toBe(403);
  });

  it('rejects missing or wrong bearer tokens with 401 UNAUTHENTICATED', async () => {
    const d = testDouble();
    const none = await d.app.request(CLUSTERS);
    expect(none.status).toBe(401);
    expect(at(await json(none), 'error')).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    const wrong = await d.app.request('/_double/state', { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
  });

  it('answers numeric enums when asked with $alt=json;enum-encoding=int', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.state.seedCluster({ name: 'a', location: 'asia-northeast1-b' });
    const cluster = await json(d.call('GET', `${CLUSTERS}/a?$alt=json%3Benum-encoding=int`));
    expect(cluster['status']).toBe(2);
  });

  it('registers a cluster whose fleet.project is given as projects/<number>', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.call('POST', '/v1/projects/fleet-demo/locations/asia-northeast1-b/clusters', {
      cluster: { name: 'mc-gw-config-cluster', fleet: { project: 'projects/123456789012' } },
    });
    await d.state.whenIdle();
    const cluster = await json(d.call('GET', `${CLUSTERS}/mc-gw-config-cluster`));
    expect(at(cluster, 'fleet')).toEqual({
      project: 'projects/123456789012',
      preRegistered: false,
      membership: '//gkehub.googleapis.com/projects/123456789012/locations/global/memberships/mc-gw-config-cluster',
    });
    const membership = await json(d.call('GET', '/v1/projects/fleet-demo/locations/global/memberships/mc-gw-config-cluster'));
    expect(at(membership, 'authority.issuer')).toBe(
      'https://container.googleapis.com/v1/projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-config-cluster',
    );
  });
});
