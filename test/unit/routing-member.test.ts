import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { ServiceConfig } from '../../shared/config/fleet-config.ts';
import { memberObjectUnchanged, renderGateway, renderMemberObjects } from '../../shared/routing/index.ts';

const store: ServiceConfig = {
  name: 'store',
  namespace: 'store',
  port: 8080,
  hostnames: ['store.example.com'],
  regionWeights: {},
  defaultWeight: 100,
  pinnedPaths: [],
};

/** The live Service as the API server returns it, with fields that must never be copied. */
function liveService(spec: Record<string, unknown> = {}): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'store', namespace: 'store', uid: 'u-1', resourceVersion: '42', labels: { app: 'store' } },
    spec: {
      type: 'NodePort',
      clusterIP: '10.0.0.7',
      clusterIPs: ['10.0.0.7'],
      selector: { app: 'store' },
      ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080, nodePort: 30080, appProtocol: 'http' }],
      ...spec,
    },
  } as KubernetesObject;
}

const labels = { 'app.kubernetes.io/managed-by': 'fleetpilot', 'fleetpilot.dev/service': 'store' };
const exportOf = (name: string) => ({ apiVersion: 'net.gke.io/v1', kind: 'ServiceExport', metadata: { name, namespace: 'store', labels } });
const serviceOf = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'store', labels },
  spec: { selector: { app: 'store' }, ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080, appProtocol: 'http' }] },
});

describe('renderMemberObjects', () => {
  it.each([
    [
      'with per-cluster Services',
      true,
      [
        exportOf('store'),
        serviceOf('store-asia-northeast1'),
        exportOf('store-asia-northeast1'),
        serviceOf('store-mc-gw-tokyo'),
        exportOf('store-mc-gw-tokyo'),
      ],
    ],
    ['without per-cluster Services', false, [exportOf('store'), serviceOf('store-asia-northeast1'), exportOf('store-asia-northeast1')]],
  ])('renders the exports of mc-gw-tokyo %s', (_name, perClusterServices, expected) => {
    expect(
      renderMemberObjects({
        service: store,
        appService: liveService(),
        cluster: 'mc-gw-tokyo',
        region: 'asia-northeast1',
        perClusterServices,
      }),
    ).toEqual(expected);
  });

  it('copies a named target port and several ports, nothing else', () => {
    const ports = [
      { name: 'http', port: 80, targetPort: 'web', nodePort: 31000 },
      { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
    ];
    const [, regional] = renderMemberObjects({
      service: store,
      appService: liveService({ ports }),
      cluster: 'mc-gw-osaka',
      region: 'asia-northeast2',
      perClusterServices: false,
    });
    expect((regional as { spec: unknown }).spec).toEqual({
      selector: { app: 'store' },
      ports: [
        { name: 'http', port: 80, targetPort: 'web' },
        { name: 'grpc', port: 9090, protocol: 'TCP', targetPort: 9090 },
      ],
    });
  });

  it.each([
    ['no selector', liveService({ selector: undefined }), /store\/store in cluster mc-gw-tokyo has no spec.selector/],
    ['an empty selector', liveService({ selector: {} }), /has no spec.selector/],
    ['no ports', liveService({ ports: [] }), /store\/store in cluster mc-gw-tokyo has no spec.ports/],
    ['a port without a number', liveService({ ports: [{ name: 'http' }] }), /a port without a port number/],
    [
      'another Service',
      { ...liveService(), metadata: { name: 'cart', namespace: 'store' } },
      /Service store\/cart is not the configured Service store\/store/,
    ],
  ])('throws a clear error for %s', (_name, appService, message) => {
    expect(() =>
      renderMemberObjects({ service: store, appService, cluster: 'mc-gw-tokyo', region: 'asia-northeast1', perClusterServices: true }),
    ).toThrowError(message);
  });
});

describe('memberObjectUnchanged', () => {
  const desired = serviceOf('store-asia-northeast1') as KubernetesObject;
  /** The derived Service as the API server returns it after fleetpilot applied `desired`, with `spec` changed. */
  const live = (spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}): KubernetesObject =>
    ({
      ...desired,
      metadata: { ...desired.metadata, uid: 'u-2', resourceVersion: '7', labels: { ...labels, team: 'a' }, ...metadata },
      spec: { ...(desired as { spec: object }).spec, type: 'ClusterIP', clusterIP: '10.0.0.9', sessionAffinity: 'None', ...spec },
    }) as KubernetesObject;
  const bare = { ...desired, spec: { selector: { app: 'store' }, ports: [{ port: 8080 }] } } as KubernetesObject;
  const defaulted = live({ ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] });

  it.each([
    ["the applied Service with server fields and others' labels", desired, live(), true],
    ['a port the server defaulted (TCP, target port = port)', bare, defaulted, true],
    ['an export that carries the labels', exportOf('store'), exportOf('store'), true],
    ['a label missing', desired, live({}, { labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } }), false],
    ['an export without the labels', exportOf('store'), { ...exportOf('store'), metadata: { name: 'store', namespace: 'store' } }, false],
    ['another selector', desired, live({ selector: { app: 'store', tier: 'web' } }), false],
    [
      'another target port',
      desired,
      live({ ports: [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 9090, appProtocol: 'http' }] }),
      false,
    ],
    [
      'a port more',
      desired,
      live({ ports: [...(desired as { spec: { ports: object[] } }).spec.ports, { name: 'grpc', port: 9090 }] }),
      false,
    ],
    [
      'a field fleetpilot no longer sets (the apply removes it)',
      bare,
      live({ ports: [{ port: 8080, name: 'http', protocol: 'TCP', targetPort: 8080 }] }),
      false,
    ],
    ['a target port the server did not default', bare, live({ ports: [{ port: 8080, protocol: 'TCP', targetPort: 'web' }] }), false],
  ])('%s', (_name, want, have, expected) => {
    expect(memberObjectUnchanged(have, want)).toBe(expected);
  });
});

describe('renderGateway', () => {
  it('renders one HTTP listener open to routes from all namespaces', () => {
    expect(renderGateway({ name: 'external-http', namespace: 'store', className: 'gke-l7-global-external-managed-mc' })).toEqual({
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'external-http', namespace: 'store', labels: { 'app.kubernetes.io/managed-by': 'fleetpilot' } },
      spec: {
        gatewayClassName: 'gke-l7-global-external-managed-mc',
        listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }],
      },
    });
  });
});
