import { describe, expect, it } from 'vitest';
import { gatewayTarget } from '../../sandbox/google-double/connect-gateway-routes.ts';
import { at, bodyOf as json, testDouble } from '../../sandbox/google-double/testing.ts';
import { parseAttachedSpec } from '../../sandbox/sandbox-control.ts';

const CA = '-----BEGIN CERTIFICATE-----\nATTACHED-CA\n-----END CERTIFICATE-----\n';
const register = (platform: string, id = 'onprem-1') => ({ id, endpoint: 'https://127.0.0.1:7443', caPem: CA, platform });

describe('google double: attached clusters and Connect Gateway', () => {
  it('registers an on-prem cluster as a READY global membership without a GKE endpoint', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    const res = await d.call('POST', '/_double/attached-clusters', register('onprem'));
    expect(res.status).toBe(200);
    const membership = await json(d.call('GET', '/v1/projects/fleet-demo/locations/global/memberships/onprem-1'));
    expect(membership).toMatchObject({
      name: 'projects/fleet-demo/locations/global/memberships/onprem-1',
      state: { code: 'READY' },
      endpoint: {
        onPremCluster: {
          resourceLink: '//gkeonprem.googleapis.com/projects/fleet-demo/locations/global/bareMetalClusters/onprem-1',
          adminCluster: false,
          clusterType: 'USER',
        },
        kubernetesMetadata: { nodeProviderId: 'baremetal', nodeCount: 2 },
      },
    });
    expect(at(membership, 'endpoint.gkeCluster')).toBeUndefined();
    expect(JSON.stringify(membership)).not.toContain('ATTACHED-CA');
    expect(gatewayTarget(d.state, 'global', 'onprem-1')).toEqual({ server: 'https://127.0.0.1:7443', caPem: CA });
  });

  it('renders a generic attached registration with Kubernetes metadata only', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    const membership = await json(d.call('POST', '/_double/attached-clusters', register('attached', 'edge-1')));
    expect(Object.keys(membership['endpoint'] as object)).toEqual(['kubernetesMetadata']);
  });

  it.each([
    ['a bad id', { ...register('onprem'), id: 'Not_A_Label' }, /id must be/],
    ['an endpoint without a port', { ...register('onprem'), endpoint: 'https://127.0.0.1' }, /endpoint must be/],
    ['plain http', { ...register('onprem'), endpoint: 'http://127.0.0.1:7443' }, /endpoint must be/],
    ['no CA', { ...register('onprem'), caPem: 'nope' }, /caPem/],
    ['an unknown platform', register('cloud'), /platform/],
  ])('refuses %s with 400', async (_name, body, message) => {
    const d = testDouble({ operationDelayMs: 0 });
    const res = await d.call('POST', '/_double/attached-clusters', body);
    expect(res.status).toBe(400);
    expect(String(at(await json(res), 'error.message'))).toMatch(message);
  });

  it('answers 409 for an existing membership and needs the token', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.call('POST', '/_double/attached-clusters', register('onprem'));
    expect((await d.call('POST', '/_double/attached-clusters', register('attached'))).status).toBe(409);
    expect(
      (await d.app.request('/_double/attached-clusters', { method: 'POST', body: JSON.stringify(register('onprem', 'x')) })).status,
    ).toBe(401);
  });

  it('routes a GKE membership to its cluster endpoint, and nothing for a deleted or unknown membership', async () => {
    const d = testDouble({ operationDelayMs: 0 });
    await d.state.seedCluster({ name: 'mc-gw-config-cluster', location: 'us-central1', fleetProject: 'fleet-demo' });
    const gke = gatewayTarget(d.state, 'global', 'mc-gw-config-cluster');
    expect(gke?.server).toBe('https://127.0.0.1:16444');
    expect(gke?.caPem).toContain('FAKE-CA-mc-gw-config-cluster');
    await d.call('POST', '/_double/attached-clusters', register('onprem'));
    await d.call('DELETE', '/v1/projects/fleet-demo/locations/global/memberships/onprem-1');
    expect(gatewayTarget(d.state, 'global', 'onprem-1')).toBeUndefined();
    const res = await d.call('GET', '/v1/projects/123456789012/locations/global/gkeMemberships/nobody/api/v1/namespaces');
    expect(res.status).toBe(404);
    expect(await json(res)).toEqual({
      error: {
        code: 404,
        status: 'NOT_FOUND',
        message: 'Connect Gateway has no connection to membership projects/123456789012/locations/global/memberships/nobody.',
      },
    });
    expect((await d.call('GET', '/v1/projects/other-project/locations/global/gkeMemberships/onprem-1/api')).status).toBe(403);
  });

  it('validates the sandbox control request to start an attached cluster', () => {
    expect(parseAttachedSpec({ id: 'onprem-1', platform: 'onprem', zone: 'dc-1' })).toEqual({
      id: 'onprem-1',
      platform: 'onprem',
      zone: 'dc-1',
    });
    expect(parseAttachedSpec({ id: 'onprem-1', platform: 'gke' })).toMatch(/platform/);
    expect(parseAttachedSpec(undefined)).toMatch(/id/);
  });
});
