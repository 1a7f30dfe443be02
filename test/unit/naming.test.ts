import { describe, expect, it } from 'vitest';
import { connectGatewayServer, endpointServer } from '../../shared/adapters/kube-servers.ts';
import { featureUsable, gkeResourceLink, sameResourceLink, workloadIdentityIssuer } from '../../shared/adapters/gkehub-types.ts';
import { buildTopology } from '../../shared/adapters/topology.ts';
import { encodeId } from '../../shared/adapters/firestore.ts';

describe('resource naming', () => {
  it('builds the GKE membership link and Workload Identity issuer', () => {
    expect(gkeResourceLink('acme', 'asia-northeast1-b', 'mc-gw-tokyo')).toBe(
      '//container.googleapis.com/projects/acme/locations/asia-northeast1-b/clusters/mc-gw-tokyo',
    );
    expect(workloadIdentityIssuer('acme', 'asia-northeast1-b', 'mc-gw-tokyo')).toBe(
      'https://container.googleapis.com/v1/projects/acme/locations/asia-northeast1-b/clusters/mc-gw-tokyo',
    );
  });

  it.each([
    [
      '//container.googleapis.com/projects/acme/zones/z/clusters/c',
      '//container.googleapis.com/projects/acme/locations/z/clusters/c',
      true,
    ],
    [
      '//container.googleapis.com/projects/acme/locations/z/clusters/c',
      '//container.googleapis.com/projects/acme/locations/z/clusters/other',
      false,
    ],
    [undefined, '//container.googleapis.com/projects/acme/locations/z/clusters/c', false],
  ])('sameResourceLink(%s, %s) = %s', (a, b, expected) => expect(sameResourceLink(a, b)).toBe(expected));

  it.each([
    ['global', 'https://connectgateway.googleapis.com/v1/projects/123/locations/global/gkeMemberships/m'],
    ['us-central1', 'https://us-central1-connectgateway.googleapis.com/v1/projects/123/locations/us-central1/gkeMemberships/m'],
  ])('Connect Gateway URL for %s memberships', (location, url) => expect(connectGatewayServer('123', location, 'm')).toBe(url));

  it('refuses a cluster without an endpoint', () => {
    expect(endpointServer('10.0.0.1')).toBe('https://10.0.0.1');
    expect(() => endpointServer('')).toThrow(/no endpoint/);
  });

  it('names topics and subscriptions from one prefix, consumers with dead-lettering', () => {
    const t = buildTopology('fp-');
    expect(t.topics.clusterEvents).toBe('fp-cluster-events');
    expect(t.subscriptions.filter((s) => s.maxDeliveryAttempts).map((s) => s.topic)).toEqual([
      'clusterEvents',
      'healthAlerts',
      'gitPushes',
      'ticks',
    ]);
    expect(t.subscriptions.find((s) => s.topic === 'deadLetter')?.maxDeliveryAttempts).toBeUndefined();
  });

  it('encodes document ids that contain slashes', () => {
    expect(encodeId('projects/p/clusters/c')).toBe('projects%2Fp%2Fclusters%2Fc');
    expect(() => encodeId('..')).toThrow();
  });

  it('judges a feature usable only when its state code is OK', () => {
    expect(featureUsable({ name: 'f', state: { state: { code: 'OK' } } })).toBe(true);
    expect(featureUsable({ name: 'f', state: { state: { code: 'ERROR' } } })).toBe(false);
    expect(featureUsable(null)).toBe(false);
  });
});
