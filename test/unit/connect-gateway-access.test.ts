import { describe, expect, it } from 'vitest';
import { membershipKind, membershipPlatform } from '../../shared/adapters/gkehub-types.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import { connectGatewayServer, membershipLocationAndId } from '../../shared/adapters/kube-servers.ts';
import { parseEnv } from '../../shared/config/env.ts';

const valid = { FLEETPILOT_PROJECT_ID: 'acme-platform-prod' };

describe('Connect Gateway access', () => {
  it.each([
    [
      "Google's global host",
      'global',
      undefined,
      'https://connectgateway.googleapis.com/v1/projects/123/locations/global/gkeMemberships/onprem-1',
    ],
    [
      "Google's regional host",
      'us-east1',
      undefined,
      'https://us-east1-connectgateway.googleapis.com/v1/projects/123/locations/us-east1/gkeMemberships/onprem-1',
    ],
    [
      'an override for a global membership',
      'global',
      'http://127.0.0.1:8689/',
      'http://127.0.0.1:8689/v1/projects/123/locations/global/gkeMemberships/onprem-1',
    ],
    [
      'an override for a regional membership',
      'us-east1',
      'https://gateway.internal',
      'https://gateway.internal/v1/projects/123/locations/us-east1/gkeMemberships/onprem-1',
    ],
  ])('builds the URL with %s', (_name, location, base, url) => {
    expect(connectGatewayServer('123', location, 'onprem-1', base)).toBe(url);
  });

  it('reads a membership given by full name or by id', () => {
    expect(membershipLocationAndId('projects/acme/locations/us-east1/memberships/edge-7')).toEqual({ location: 'us-east1', id: 'edge-7' });
    expect(membershipLocationAndId('mc-gw-tokyo')).toEqual({ location: 'global', id: 'mc-gw-tokyo' });
  });

  it('uses an http agent only for a plain-http server and keeps verifying TLS otherwise', () => {
    const plain = kubeConfigFor({
      name: 'a',
      server: 'http://127.0.0.1:8689/v1/projects/1/locations/global/gkeMemberships/a',
      token: 'sandbox-token',
    });
    expect(plain.getCurrentCluster()?.skipTLSVerify).toBe(true);
    const tls = kubeConfigFor({
      name: 'b',
      server: 'https://connectgateway.googleapis.com/v1/projects/1/locations/global/gkeMemberships/b',
      token: 't',
    });
    expect(tls.getCurrentCluster()?.skipTLSVerify).toBe(false);
  });

  it('accepts a Connect Gateway override, and plain http only with a static token', () => {
    const ok = parseEnv({
      ...valid,
      FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: 'http://127.0.0.1:8689/',
      FLEETPILOT_STATIC_ACCESS_TOKEN: 'sandbox-token-123',
    });
    expect(ok.ok && ok.env.FLEETPILOT_CONNECT_GATEWAY_ENDPOINT).toBe('http://127.0.0.1:8689');
    expect(parseEnv({ ...valid, FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: 'https://gateway.internal' }).ok).toBe(true);
    expect(parseEnv({ ...valid, FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: 'http://127.0.0.1:8689' })).toEqual({
      ok: false,
      problems: ['FLEETPILOT_STATIC_ACCESS_TOKEN is required when a Google API endpoint is a plain-http local double'],
    });
    expect(parseEnv({ ...valid, FLEETPILOT_CONNECT_GATEWAY_ENDPOINT: 'ftp://gateway' }).ok).toBe(false);
  });

  it.each([
    ['a GKE cluster', { gkeCluster: { resourceLink: '//container.googleapis.com/projects/p/locations/l/clusters/c' } }, 'gke', 'GKE'],
    [
      'an on-prem cluster',
      {
        onPremCluster: { resourceLink: '//gkeonprem.googleapis.com/projects/p/locations/global/bareMetalClusters/c' },
        kubernetesMetadata: {},
      },
      'attached',
      'on-prem',
    ],
    [
      'a multi-cloud cluster',
      { multiCloudCluster: { resourceLink: '//gkemulticloud.googleapis.com/projects/p/locations/l/attachedClusters/c' } },
      'attached',
      'multi-cloud',
    ],
    ['a generic registration', { kubernetesMetadata: { nodeCount: 2 } }, 'attached', 'attached'],
  ] as const)('tells the kind of %s', (_name, endpoint, kind, platform) => {
    expect(membershipKind({ endpoint })).toBe(kind);
    expect(membershipPlatform({ endpoint })).toBe(platform);
  });
});
