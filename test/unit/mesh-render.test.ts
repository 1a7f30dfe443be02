import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { meshServiceSchema, type MeshServiceConfig } from '../../shared/config/fleet-config.ts';
import {
  isTokenReusable,
  jwtExpiry,
  remoteSecretName,
  remoteSecretToken,
  renderDestinationRule,
  renderMeshNamespace,
  renderReaderObjects,
  renderRemoteSecret,
} from '../../shared/mesh/index.ts';

function meshService(overrides: Record<string, unknown> = {}): MeshServiceConfig {
  return meshServiceSchema.parse({ name: 'store', namespace: 'store', ...overrides });
}

function jwt(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'k' })}.${part(payload)}.c2lnbmF0dXJl`;
}

const OUTLIER = { consecutive5xxErrors: 5, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 100 };
const METADATA = { name: 'store', namespace: 'store', labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } };
const HOST = 'store.store.svc.cluster.local';

describe('renderDestinationRule', () => {
  it.each([
    ['failover', { failover: [{ from: 'asia-northeast1', to: 'asia-northeast2' }] }],
    ['failoverPriority', { failoverPriority: ['topology.kubernetes.io/region', 'topology.kubernetes.io/zone'] }],
    ['distribute', { distribute: [{ from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 80, 'asia-northeast2/*': 20 } }] }],
  ])('renders outlier detection and %s locality load balancing', (_mode, localityLb) => {
    expect(renderDestinationRule(meshService({ localityLb }))).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: METADATA,
      spec: {
        host: HOST,
        trafficPolicy: { outlierDetection: OUTLIER, loadBalancer: { localityLbSetting: { enabled: true, ...localityLb } } },
      },
    });
  });

  it('renders local as every mesh region sending to itself, and Istio’s default preference while no region is known', () => {
    const svc = meshService({ localityLb: { local: 'region' } });
    expect(renderDestinationRule(svc, ['tokyo-onprem', 'asia-northeast1', 'tokyo-onprem']).spec.trafficPolicy.loadBalancer).toEqual({
      localityLbSetting: {
        enabled: true,
        distribute: [
          { from: 'asia-northeast1/*', to: { 'asia-northeast1/*': 100 } },
          { from: 'tokyo-onprem/*', to: { 'tokyo-onprem/*': 100 } },
        ],
      },
    });
    expect(renderDestinationRule(svc).spec.trafficPolicy.loadBalancer).toEqual({ localityLbSetting: { enabled: true } });
  });

  it('renders outlier detection alone when no locality mode is configured', () => {
    const svc = meshService({
      outlierDetection: { consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '1m', maxEjectionPercent: 50 },
    });
    expect(renderDestinationRule(svc)).toEqual({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: METADATA,
      spec: {
        host: HOST,
        trafficPolicy: { outlierDetection: { consecutive5xxErrors: 3, interval: '5s', baseEjectionTime: '1m', maxEjectionPercent: 50 } },
      },
    });
  });
});

describe('renderMeshNamespace', () => {
  it('carries only the injection label', () => {
    expect(renderMeshNamespace('store')).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'store', labels: { 'istio-injection': 'enabled' } },
    });
  });
});

describe('renderRemoteSecret', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const secret = renderRemoteSecret({ cluster: 'mc-gw-tokyo', server: 'https://10.0.0.1:443', caPem, token: 'eyJ.token.sig' });

  it('is the Secret istioctl create-remote-secret writes', () => {
    expect({ ...secret, stringData: undefined }).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'istio-remote-secret-mc-gw-tokyo',
        namespace: 'istio-system',
        labels: { 'istio/multiCluster': 'true', 'app.kubernetes.io/managed-by': 'fleetpilot' },
        annotations: { 'networking.istio.io/cluster': 'mc-gw-tokyo' },
      },
      stringData: undefined,
    });
    expect(Object.keys(secret.stringData ?? {})).toEqual(['mc-gw-tokyo']);
    expect(remoteSecretName('mc-gw-tokyo')).toBe(secret.metadata?.name);
  });

  it('embeds a kubeconfig with one cluster, one token user and one context named after the cluster', () => {
    expect(parse(secret.stringData!['mc-gw-tokyo']!)).toEqual({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'mc-gw-tokyo',
          cluster: { server: 'https://10.0.0.1:443', 'certificate-authority-data': Buffer.from(caPem).toString('base64') },
        },
      ],
      users: [{ name: 'mc-gw-tokyo', user: { token: 'eyJ.token.sig' } }],
      contexts: [{ name: 'mc-gw-tokyo', context: { cluster: 'mc-gw-tokyo', user: 'mc-gw-tokyo' } }],
      'current-context': 'mc-gw-tokyo',
      preferences: {},
    });
  });

  it('gives the token back whether read as rendered or from the API (base64 data)', () => {
    expect(remoteSecretToken(secret, 'mc-gw-tokyo')).toBe('eyJ.token.sig');
    const stored = {
      ...secret,
      stringData: undefined,
      data: { 'mc-gw-tokyo': Buffer.from(secret.stringData!['mc-gw-tokyo']!).toString('base64') },
    };
    expect(remoteSecretToken(stored, 'mc-gw-tokyo')).toBe('eyJ.token.sig');
    expect(remoteSecretToken(stored, 'mc-gw-osaka')).toBeNull();
    expect(remoteSecretToken({ data: { 'mc-gw-tokyo': Buffer.from(': not yaml: [').toString('base64') } }, 'mc-gw-tokyo')).toBeNull();
  });
});

describe('renderReaderObjects', () => {
  it('grants what Istio’s own reader role grants a remote istiod: reads, and token and access reviews', () => {
    const [ns, sa, role, binding] = renderReaderObjects();
    expect(ns.metadata?.name).toBe('istio-system');
    expect(sa.metadata).toMatchObject({ name: 'istio-reader-service-account', namespace: 'istio-system' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'istio-reader-service-account', namespace: 'istio-system' }]);
    expect(binding.roleRef.name).toBe(role.metadata?.name);
    expect(role.metadata?.name).toBe('istio-reader-clusterrole-istio-system');
    const reviews = ['tokenreviews', 'subjectaccessreviews'];
    for (const rule of role.rules ?? []) {
      const isReview = rule.resources?.every((r) => reviews.includes(r));
      expect(rule.verbs, rule.resources?.join()).toEqual(isReview ? ['create'] : ['get', 'list', 'watch']);
    }
    const core = (role.rules ?? []).filter((r) => r.apiGroups?.includes(''));
    // istiod watches the remote cluster's mesh ConfigMap and Secrets; without them it reports the cluster's sync as timed out.
    expect(core.flatMap((r) => r.resources)).toEqual(
      expect.arrayContaining(['pods', 'services', 'endpoints', 'nodes', 'namespaces', 'configmaps', 'secrets']),
    );
    expect(role.rules).toContainEqual({ apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] });
  });
});

describe('jwtExpiry and isTokenReusable', () => {
  const uid = '0b7c9c2e-1111-2222-3333-444455556666';
  const token = jwt({
    iat: 1_700_000_000,
    exp: 1_700_003_600,
    'kubernetes.io': { namespace: 'istio-system', serviceaccount: { name: 'istio-reader-service-account', uid } },
  });

  it('reads exp without verifying, and null for what is not a JWT', () => {
    expect(jwtExpiry(token)).toEqual(new Date(1_700_003_600_000));
    expect(jwtExpiry(jwt({ sub: 'x' }))).toBeNull();
    expect(jwtExpiry('not-a-jwt')).toBeNull();
    expect(jwtExpiry('a.!!!.c')).toBeNull();
  });

  it.each([
    ['fresh (a quarter of its lifetime used)', new Date(1_700_000_900_000), uid, true],
    ['exactly half used', new Date(1_700_001_800_000), uid, false],
    ['mostly used', new Date(1_700_003_000_000), uid, false],
    ['expired', new Date(1_700_004_000_000), uid, false],
    ['from a service account that was recreated', new Date(1_700_000_900_000), 'another-uid', false],
  ])('is reusable only while more than half its lifetime remains: %s', (_case, now, serviceAccountUid, expected) => {
    expect(isTokenReusable(token, { now, ttlSeconds: 3600, serviceAccountUid })).toBe(expected);
  });

  it('falls back to the requested TTL when the token has no iat', () => {
    const noIat = jwt({ exp: 1_700_003_600, 'kubernetes.io': { serviceaccount: { uid } } });
    expect(isTokenReusable(noIat, { now: new Date(1_700_000_000_000), ttlSeconds: 3600, serviceAccountUid: uid })).toBe(true);
    expect(isTokenReusable(noIat, { now: new Date(1_700_000_000_000), ttlSeconds: 7300, serviceAccountUid: uid })).toBe(false);
  });
});
