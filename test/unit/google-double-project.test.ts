import { describe, expect, it } from 'vitest';
import { bodyOf as json, testDouble, type TestDouble } from '../../sandbox/google-double/testing.ts';

const HOST = '127.0.0.1:18999';

/** A request as gcloud sends it to an overridden endpoint: its own Host header. */
function viaGcloud(d: TestDouble, method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${d.token}`, host: HOST };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return Promise.resolve(d.app.request(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }));
}

describe('google double: Service Usage', () => {
  it('enables services in a batch and reports each one ENABLED, the others DISABLED', async () => {
    const d = testDouble();
    const before = await json(d.call('GET', '/v1/projects/fleet-demo/services/container.googleapis.com'));
    expect(before).toMatchObject({ name: 'projects/123456789012/services/container.googleapis.com', state: 'DISABLED' });
    const op = await json(
      d.call('POST', '/v1/projects/fleet-demo/services:batchEnable', { serviceIds: ['container.googleapis.com', 'gkehub.googleapis.com'] }),
    );
    expect(op).toMatchObject({ done: true, response: { services: [{ state: 'ENABLED' }, { state: 'ENABLED' }] } });
    expect(await json(d.call('GET', `/v1/${String(op['name'])}`))).toEqual(op);
    const enabled = await json(d.call('GET', '/v1/projects/fleet-demo/services?filter=state:ENABLED'));
    expect((enabled['services'] as { config: { name: string } }[]).map((s) => s.config.name)).toEqual([
      'container.googleapis.com',
      'gkehub.googleapis.com',
    ]);
    expect((await json(d.call('GET', '/v1/projects/fleet-demo/services/trafficdirector.googleapis.com')))['state']).toBe('DISABLED');
  });

  it.each([
    ['an unknown service', { serviceIds: ['nosuch.googleapis.com'] }, 403],
    ['a malformed name', { serviceIds: ['not a service'] }, 400],
    ['no services', { serviceIds: [] }, 400],
  ])('refuses %s', async (_what, body, status) => {
    const d = testDouble();
    const res = await d.call('POST', '/v1/projects/fleet-demo/services:batchEnable', body);
    expect(res.status).toBe(status);
    expect(d.state.enabledServices.size).toBe(0);
  });

  it('answers 403 for another project', async () => {
    expect((await testDouble().call('GET', '/v1/projects/someone-else/services/container.googleapis.com')).status).toBe(403);
  });
});

describe('google double: calls to a disabled API', () => {
  const CALLS = [
    ['Container: list clusters', 'GET', '/v1/projects/fleet-demo/locations/-/clusters', 'container.googleapis.com'],
    [
      'Container: a zonal path, as older gcloud sends it',
      'GET',
      '/v1/projects/fleet-demo/zones/asia-northeast1-b/clusters',
      'container.googleapis.com',
    ],
    ['GKE Hub: list memberships', 'GET', '/v1/projects/fleet-demo/locations/global/memberships', 'gkehub.googleapis.com'],
    [
      'GKE Hub v1beta: a feature',
      'GET',
      '/v1beta/projects/fleet-demo/locations/global/features/multiclusteringress',
      'gkehub.googleapis.com',
    ],
  ] as const;

  it.each(CALLS)(
    'refuses %s with 403 SERVICE_DISABLED until the API is enabled, and again once disabled',
    async (_what, method, path, service) => {
      const d = testDouble({ enforceEnabledServices: true });
      const refused = await d.call(method, path);
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as {
        error: { status: string; message: string; details: { reason: string; metadata: { service: string } }[] };
      };
      expect(body.error).toMatchObject({ status: 'PERMISSION_DENIED', details: [{ reason: 'SERVICE_DISABLED', metadata: { service } }] });
      expect(body.error.message).toContain(`https://console.developers.google.com/apis/api/${service}/overview?project=123456789012`);

      expect((await d.call('POST', `/v1/projects/fleet-demo/services/${service}:enable`, {})).status).toBe(200);
      expect((await d.call(method, path)).status).not.toBe(403);
      expect((await d.call('POST', `/v1/projects/fleet-demo/services/${service}:disable`, {})).status).toBe(200);
      expect((await d.call(method, path)).status).toBe(403);
    },
  );

  it('gates nothing unless asked to (a double for unit tests), and never Service Usage itself', async () => {
    expect((await testDouble().call('GET', '/v1/projects/fleet-demo/locations/-/clusters')).status).toBe(200);
    const gated = testDouble({ enforceEnabledServices: true });
    expect((await gated.call('GET', '/v1/projects/fleet-demo/services?filter=state:ENABLED')).status).toBe(200);
  });
});

describe('google double: Resource Manager IAM policy', () => {
  const binding = { role: 'roles/compute.networkViewer', members: ['serviceAccount:fleet-demo.svc.id.goog[gke-mcs/gke-mcs-importer]'] };

  it('adds a binding by read-modify-write and refuses a write based on a stale etag', async () => {
    const d = testDouble();
    const read = await json(d.call('POST', '/v1/projects/fleet-demo:getIamPolicy', { options: { requestedPolicyVersion: 3 } }));
    expect(read['bindings']).toEqual([]);
    const set = await d.call('POST', '/v1/projects/fleet-demo:setIamPolicy', { policy: { ...read, bindings: [binding] } });
    expect(set.status).toBe(200);
    expect((await json(d.call('POST', '/v1/projects/fleet-demo:getIamPolicy')))['bindings']).toEqual([binding]);
    const stale = await d.call('POST', '/v1/projects/fleet-demo:setIamPolicy', { policy: { ...read, bindings: [] } });
    expect(stale.status).toBe(409);
    expect(d.state.iamPolicy.bindings).toEqual([binding]);
  });

  it('accepts the etag back in base64url, as gcloud encodes bytes fields', async () => {
    const d = testDouble();
    // Bindings whose etag has '+' or '/' in standard base64 are the case that matters; try until one does.
    for (let i = 0; !/[+/]/.test(d.state.iamPolicy.etag); i++) {
      const read = await json(d.call('POST', '/v1/projects/fleet-demo:getIamPolicy'));
      const bindings = [{ role: 'roles/viewer', members: [`user:u${i}@example.com`] }];
      expect((await d.call('POST', '/v1/projects/fleet-demo:setIamPolicy', { policy: { ...read, bindings } })).status).toBe(200);
    }
    const etag = d.state.iamPolicy.etag.replace(/\+/g, '-').replace(/\//g, '_');
    const res = await d.call('POST', '/v1/projects/fleet-demo:setIamPolicy', { policy: { etag, bindings: [binding] } });
    expect(res.status).toBe(200);
    expect(d.state.iamPolicy.bindings).toEqual([binding]);
  });

  it('refuses a malformed member and keeps the policy', async () => {
    const d = testDouble();
    const res = await d.call('POST', '/v1/projects/fleet-demo:setIamPolicy', {
      policy: { bindings: [{ role: 'roles/viewer', members: ['bob'] }] },
    });
    expect(res.status).toBe(400);
    expect(d.state.iamPolicy.bindings).toEqual([]);
  });

  it('describes the project by id or number', async () => {
    const d = testDouble();
    expect(await json(d.call('GET', '/v1/projects/123456789012'))).toMatchObject({ projectId: 'fleet-demo', lifecycleState: 'ACTIVE' });
  });
});

describe('google double: memberships registered by gcloud against the double', () => {
  it('reads a resource link and issuer naming its own host as Google ones, and refuses a second membership for the cluster', async () => {
    const d = testDouble();
    await d.state.seedCluster({ name: 'mc-gw-tokyo', location: 'asia-northeast1-b' });
    const path = 'projects/fleet-demo/locations/asia-northeast1-b/clusters/mc-gw-tokyo';
    const res = await viaGcloud(d, 'POST', '/v1/projects/fleet-demo/locations/asia-northeast1/memberships?membershipId=mc-gw-tokyo', {
      endpoint: { gkeCluster: { resourceLink: `//${HOST}/${path}` } },
      authority: { issuer: `http://${HOST}/v1/${path}` },
    });
    expect(res.status).toBe(200);
    d.clock.advance(300);
    const m = await json(d.call('GET', '/v1/projects/fleet-demo/locations/asia-northeast1/memberships/mc-gw-tokyo'));
    expect(m).toMatchObject({
      endpoint: { gkeCluster: { resourceLink: `//container.googleapis.com/${path}` } },
      authority: { issuer: `https://container.googleapis.com/v1/${path}` },
      state: { code: 'READY' },
    });
    const twin = await d.call('POST', '/v1/projects/fleet-demo/locations/global/memberships?membershipId=tokyo-again', {
      endpoint: { gkeCluster: { resourceLink: `//container.googleapis.com/${path.replace('/locations/', '/zones/')}` } },
    });
    expect(twin.status).toBe(409);
    expect(await twin.text()).toMatch(/already registered as projects\/fleet-demo\/locations\/asia-northeast1\/memberships\/mc-gw-tokyo/);
  });

  it('lists memberships of every location through v1beta too, as gcloud searches them', async () => {
    const d = testDouble();
    await d.state.seedCluster({ name: 'c1', location: 'asia-northeast1-b' });
    await d.call('POST', '/v1/projects/fleet-demo/locations/asia-northeast1/memberships?membershipId=c1', {
      endpoint: { gkeCluster: { resourceLink: '//container.googleapis.com/projects/fleet-demo/locations/asia-northeast1-b/clusters/c1' } },
    });
    const listed = await json(d.call('GET', '/v1beta/projects/fleet-demo/locations/-/memberships'));
    expect((listed['resources'] as { name: string }[]).map((m) => m.name)).toEqual([
      'projects/fleet-demo/locations/asia-northeast1/memberships/c1',
    ]);
    expect((await d.call('GET', '/v1beta/projects/fleet-demo/locations/asia-northeast1/memberships/c1')).status).toBe(200);
  });

  it('still refuses a link naming some other host', async () => {
    const d = testDouble();
    const res = await viaGcloud(d, 'POST', '/v1/projects/fleet-demo/locations/global/memberships?membershipId=x', {
      endpoint: { gkeCluster: { resourceLink: '//evil.example.com/projects/fleet-demo/locations/asia-northeast1-b/clusters/x' } },
    });
    expect(res.status).toBe(400);
  });
});
