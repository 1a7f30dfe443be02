import { describe, expect, it } from 'vitest';
import { at, bodyOf as json, pluck, testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';

type Json = Record<string, unknown>;

const MEMBERSHIPS = '/v1/projects/fleet-demo/locations/global/memberships';
const FEATURES = '/v1/projects/fleet-demo/locations/global/features';

function registration(location: string, cluster: string): Json {
  return {
    endpoint: { gkeCluster: { resourceLink: `//container.googleapis.com/projects/fleet-demo/locations/${location}/clusters/${cluster}` } },
    authority: { issuer: `https://container.googleapis.com/v1/projects/fleet-demo/locations/${location}/clusters/${cluster}` },
  };
}

async function register(d: TestDouble, id: string, location = 'asia-northeast1-b'): Promise<Json> {
  if (!d.state.clusters.has(`${location}/${id}`)) await d.state.seedCluster({ name: id, location });
  return json(d.call('POST', `${MEMBERSHIPS}?membershipId=${id}`, registration(location, id)));
}

describe('google double: GKE Hub memberships', () => {
  it('creates a membership through an operation that completes on the clock', async () => {
    const d = testDouble();
    const op = await register(d, 'mc-gw-tokyo');
    expect(op['name']).toMatch(/^projects\/fleet-demo\/locations\/global\/operations\/operation-\d+-[0-9a-f]+$/);
    expect(op).toMatchObject({
      done: false,
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.gkehub.v1.OperationMetadata',
        target: 'projects/fleet-demo/locations/global/memberships/mc-gw-tokyo',
        verb: 'create',
        apiVersion: 'v1',
      },
    });
    expect((await json(d.call('GET', `${MEMBERSHIPS}/mc-gw-tokyo`)))['state']).toEqual({ code: 'CREATING' });

    d.clock.advance(300);
    const done = await json(d.call('GET', `/v1/projects/123456789012/locations/global/operations/${String(op['name']).split('/').pop()}`));
    expect(done['done']).toBe(true);
    expect(done['response']).toMatchObject({
      '@type': 'type.googleapis.com/google.cloud.gkehub.v1.Membership',
      name: 'projects/fleet-demo/locations/global/memberships/mc-gw-tokyo',
      state: { code: 'READY' },
      endpoint: {
        gkeCluster: { resourceLink: '//container.googleapis.com/projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-tokyo' },
      },
      authority: {
        issuer: 'https://container.googleapis.com/v1/projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-tokyo',
        workloadIdentityPool: 'fleet-demo.svc.id.goog',
      },
    });
    const byNumber = await json(d.call('GET', '/v1/projects/123456789012/locations/global/memberships/mc-gw-tokyo'));
    expect(byNumber['name']).toBe('projects/fleet-demo/locations/global/memberships/mc-gw-tokyo');
    expect(byNumber['uniqueId']).toEqual(expect.any(String));
  });

  it('answers 409 naming the existing membership, 400 for a bad id, 404 when missing', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await register(d, 'mc-gw-tokyo');
    const dup = await d.call('POST', `${MEMBERSHIPS}?membershipId=mc-gw-tokyo`, registration('asia-northeast1-b', 'mc-gw-tokyo'));
    expect(dup.status).toBe(409);
    expect(at(await json(dup), 'error')).toEqual({
      code: 409,
      status: 'ALREADY_EXISTS',
      message: expect.stringContaining('projects/fleet-demo/locations/global/memberships/mc-gw-tokyo') as unknown,
    });
    for (const id of ['Bad_Id', 'x'.repeat(64), '-lead', '']) {
      const res = await d.call('POST', `${MEMBERSHIPS}?membershipId=${id}`, {});
      expect(res.status).toBe(400);
      expect(at(await json(res), 'error.status')).toBe('INVALID_ARGUMENT');
    }
    const missing = await d.call('GET', `${MEMBERSHIPS}/nope`);
    expect(missing.status).toBe(404);
    expect(at(await json(missing), 'error.status')).toBe('NOT_FOUND');
    expect((await d.call('DELETE', `${MEMBERSHIPS}/nope`)).status).toBe(404);
    const unknownCluster = await json(d.call('POST', `${MEMBERSHIPS}?membershipId=elsewhere`, registration('us-east1', 'elsewhere')));
    expect(at(unknownCluster, 'response.endpoint.gkeCluster.clusterMissing')).toBe(true);
  });

  it('lists in pages with nextPageToken and filters by label', async () => {
    const d = testDouble({ operationDelayMs: 0, hubDefaultPageSize: 2 });
    for (const id of ['m1', 'm2', 'm3', 'm4', 'm5']) await register(d, id);
    await d.call('PATCH', `${MEMBERSHIPS}/m3?updateMask=labels`, { labels: { region: 'tokyo' } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await json(d.call('GET', `${MEMBERSHIPS}${token !== undefined ? `?pageToken=${token}` : ''}`));
      pages += 1;
      names.push(...pluck(page, 'resources').map(String));
      expect(page['unreachable']).toEqual([]);
      token = page['nextPageToken'] as string | undefined;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(names.map((n) => n.split('/').pop())).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    const big = await json(d.call('GET', `${MEMBERSHIPS}?pageSize=10`));
    expect(big['resources']).toHaveLength(5);
    expect(big['nextPageToken']).toBeUndefined();
    const filtered = await json(d.call('GET', `${MEMBERSHIPS}?filter=${encodeURIComponent('labels.region = "tokyo"')}`));
    expect(pluck(filtered, 'resources')).toEqual(['projects/fleet-demo/locations/global/memberships/m3']);
    expect((await d.call('GET', `${MEMBERSHIPS}?pageToken=garbage`)).status).toBe(400);
  });

  it('patches the issuer, deletes through DELETING, and reports clusterMissing', async () => {
    const d = testDouble();
    await d.state.seedCluster({ name: 'c1', location: 'asia-northeast1-b' });
    await d.call('POST', `${MEMBERSHIPS}?membershipId=c1`, { endpoint: registration('asia-northeast1-b', 'c1')['endpoint'] });
    d.clock.advance(300);
    expect((await json(d.call('GET', `${MEMBERSHIPS}/c1`)))['authority']).toEqual({});
    const patch = await json(d.call('PATCH', `${MEMBERSHIPS}/c1?updateMask=authority.issuer`, registration('asia-northeast1-b', 'c1')));
    expect(at(patch, 'metadata.verb')).toBe('update');
    expect((await json(d.call('GET', `${MEMBERSHIPS}/c1`)))['state']).toEqual({ code: 'UPDATING' });
    d.clock.advance(300);
    const patched = await json(d.call('GET', `${MEMBERSHIPS}/c1`));
    expect(patched['state']).toEqual({ code: 'READY' });
    expect(at(patched, 'authority.workloadIdentityPool')).toBe('fleet-demo.svc.id.goog');

    d.state.clusters.delete('asia-northeast1-b/c1');
    expect(at(await json(d.call('GET', `${MEMBERSHIPS}/c1`)), 'endpoint.gkeCluster.clusterMissing')).toBe(true);

    const del = await json(d.call('DELETE', `${MEMBERSHIPS}/c1`));
    expect((await json(d.call('GET', `${MEMBERSHIPS}/c1`)))['state']).toEqual({ code: 'DELETING' });
    d.clock.advance(300);
    const delDone = await json(d.call('GET', `/v1/${String(del['name'])}`));
    expect(delDone).toMatchObject({ done: true, response: { '@type': 'type.googleapis.com/google.protobuf.Empty' } });
    expect((await d.call('GET', `${MEMBERSHIPS}/c1`)).status).toBe(404);
  });
});

describe('google double: GKE Hub features', () => {
  it('enables multiclusteringress: ENABLING then ACTIVE with state OK for a real config membership', async () => {
    const d = testDouble();
    await register(d, 'mc-gw-config-cluster', 'us-central1');
    d.clock.advance(300);
    const op = await json(
      d.call('POST', `${FEATURES}?featureId=multiclusteringress`, {
        spec: { multiclusteringress: { configMembership: 'projects/123456789012/locations/global/memberships/mc-gw-config-cluster' } },
      }),
    );
    expect(op['done']).toBe(false);
    expect((await json(d.call('GET', `${FEATURES}/multiclusteringress`)))['resourceState']).toEqual({ state: 'ENABLING' });
    d.clock.advance(300);
    const feature = await json(d.call('GET', `${FEATURES}/multiclusteringress`));
    expect(feature).toMatchObject({
      name: 'projects/fleet-demo/locations/global/features/multiclusteringress',
      resourceState: { state: 'ACTIVE' },
      state: { state: { code: 'OK' } },
    });
    expect(Object.keys(feature['membershipStates'] as Json)).toEqual([
      'projects/123456789012/locations/global/memberships/mc-gw-config-cluster',
    ]);
    expect((await d.call('POST', `${FEATURES}?featureId=multiclusteringress`, {})).status).toBe(409);
    expect((await json(d.call('GET', FEATURES)))['resources']).toHaveLength(1);
  });

  it('reports ERROR for a config membership that does not exist, OK after patching the spec', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.call('POST', `${FEATURES}?featureId=multiclusteringress`, {
      spec: { multiclusteringress: { configMembership: 'projects/fleet-demo/locations/global/memberships/ghost' } },
    });
    const broken = await json(d.call('GET', `${FEATURES}/multiclusteringress`));
    expect(at(broken, 'state.state.code')).toBe('ERROR');
    expect(at(broken, 'state.state.description')).toContain('ghost');
    await register(d, 'real');
    const patch = await json(
      d.call('PATCH', `${FEATURES}/multiclusteringress?updateMask=spec`, {
        spec: { multiclusteringress: { configMembership: 'projects/fleet-demo/locations/global/memberships/real' } },
      }),
    );
    expect(patch['done']).toBe(true);
    expect(at(await json(d.call('GET', `${FEATURES}/multiclusteringress`)), 'state.state.code')).toBe('OK');
    expect((await d.call('GET', '/v1/projects/fleet-demo/locations/us-central1/features')).status).toBe(400);
  });
});
