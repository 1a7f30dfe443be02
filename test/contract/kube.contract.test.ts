/**
 * Kubernetes adapter (@kubernetes/client-node) against real kube-apiservers with the real CRDs:
 * server-side apply with a fixed field manager and no-op detection, CRD validation, merge patch,
 * optimistic concurrency, delete-is-idempotent, the TokenRequest API and the MCS importer.
 */
import { randomBytes } from 'node:crypto';
import { CoreV1Api } from '@kubernetes/client-node';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TerminalError } from '../../shared/core/errors.ts';
import { pollUntil } from '../../shared/core/retry.ts';
import type { GcpAdapters } from '../../shared/adapters/gcp.ts';
import { refOf, type KubeAdapter } from '../../shared/adapters/kube.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import { endpointServer } from '../../shared/adapters/kube-servers.ts';
import { kubeFor, sandboxAdapters } from '../support/sandbox-clients.ts';

const CONFIG = { location: 'asia-northeast1-b', name: 'mc-gw-config-cluster' };

function httpRoute(name: string, namespace: string, rules: number): KubernetesObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name, namespace },
    spec: {
      parentRefs: [{ name: 'external-http', kind: 'Gateway' }],
      hostnames: ['store.example.com'],
      rules: Array.from({ length: rules }, (_, i) => ({
        matches: [{ path: { type: 'PathPrefix', value: `/p${i}` } }],
        backendRefs: [{ group: 'net.gke.io', kind: 'ServiceImport', name: `store-${i}`, port: 8080, weight: 1 }],
      })),
    },
  } as KubernetesObject;
}

describe('Kubernetes adapter (real kube-apiserver)', () => {
  let adapters: GcpAdapters;
  let kube: KubeAdapter;
  const ns = `kt-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    adapters = await sandboxAdapters();
    kube = await kubeFor(adapters, CONFIG.location, CONFIG.name);
    await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  });
  afterAll(async () => adapters.close());

  it('has the Gateway API, Istio and net.gke.io CRDs installed from their real sources', async () => {
    const crds = (await kube.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition')).map((c) => c.metadata?.name);
    expect(crds).toEqual(
      expect.arrayContaining([
        'gateways.gateway.networking.k8s.io',
        'httproutes.gateway.networking.k8s.io',
        'gatewayclasses.gateway.networking.k8s.io',
        'destinationrules.networking.istio.io',
        'serviceexports.net.gke.io',
        'serviceimports.net.gke.io',
      ]),
    );
  });

  it('applies with server-side apply and skips the write when nothing would change', async () => {
    const route = httpRoute('store', ns, 2);
    const first = await kube.apply(route);
    expect(first.changed).toBe(true);
    const again = await kube.apply(route);
    expect(again.changed).toBe(false);
    expect(again.object.metadata?.resourceVersion).toBe(first.object.metadata?.resourceVersion);
    const live = (await kube.get(refOf(first.object))) as KubernetesObject & {
      metadata: { managedFields: { manager: string; operation: string }[] };
    };
    expect(live.metadata.managedFields).toContainEqual(expect.objectContaining({ manager: 'fleetpilot', operation: 'Apply' }));
  });

  it('lets the real API server refuse an HTTPRoute with 17 rules (CRD validation in force)', async () => {
    const failure = await kube.apply(httpRoute('too-many', ns, 17)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(TerminalError);
    expect((failure as Error).message).toMatch(/rules/);
    expect(await kube.get({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: ns, name: 'too-many' })).toBeNull();
  });

  it('merge-patches, and resolves concurrent read-modify-write conflicts by re-reading', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'counter' };
    await kube.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'counter', namespace: ns },
      data: { n: '0' },
    } as KubernetesObject);
    await kube.mergePatch(ref, { metadata: { labels: { owner: 'fleetpilot' } } });
    await Promise.all(
      Array.from({ length: 6 }, () =>
        kube.update<KubernetesObject & { data: Record<string, string> }>(ref, (live) => ({
          ...live,
          data: { n: String(Number(live.data.n) + 1) },
        })),
      ),
    );
    const live = await kube.get<KubernetesObject & { data: Record<string, string> }>(ref);
    expect(live?.data.n).toBe('6');
    expect(live?.metadata?.labels?.owner).toBe('fleetpilot');
  });

  it('treats deleting a missing object as success', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns, name: 'counter' };
    expect(await kube.delete(ref)).toBe(true);
    expect(await kube.delete(ref)).toBe(false);
  });

  it('issues service-account tokens through the TokenRequest API that the API server accepts', async () => {
    await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'istio-reader', namespace: ns } });
    const cluster = (await adapters.container.getCluster(CONFIG.location, CONFIG.name))!;
    const admin = kubeConfigFor({
      name: CONFIG.name,
      server: endpointServer(cluster.endpoint),
      caPem: cluster.caCertificatePem,
      token: await adapters.tokens.token(),
    });
    const core = admin.makeApiClient(CoreV1Api);
    const request = await core.createNamespacedServiceAccountToken({
      name: 'istio-reader',
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    expect(request.status?.token).toMatch(/^ey/);
    const asReader = kubeConfigFor({
      name: CONFIG.name,
      server: endpointServer(cluster.endpoint),
      caPem: cluster.caCertificatePem,
      token: request.status!.token,
    });
    const denied = await asReader
      .makeApiClient(CoreV1Api)
      .listNamespace()
      .then(
        () => undefined,
        (e: { code?: number }) => e.code,
      );
    expect(denied).toBe(403); // authenticated as the service account, not authorised: RBAC in force
  });

  it('makes a ServiceExport in a fleet member appear as a ServiceImport across the fleet, and go with it', async () => {
    const tokyo = await kubeFor(adapters, 'asia-northeast1-b', 'mc-gw-tokyo');
    // The config cluster is a fleet member from creation, so it both exports and imports.
    const exportRef = { apiVersion: 'net.gke.io/v1', kind: 'ServiceExport', namespace: 'store', name: `store-${ns}` };
    await kube.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: exportRef.name, namespace: 'store' },
      spec: { selector: { app: 'store' }, ports: [{ port: 8080, protocol: 'TCP' }] },
    } as KubernetesObject);
    await kube.apply({ apiVersion: exportRef.apiVersion, kind: exportRef.kind, metadata: { name: exportRef.name, namespace: 'store' } });
    const importRef = { ...exportRef, kind: 'ServiceImport' };
    const imported = await pollUntil(
      () => kube.get<KubernetesObject & { spec: { ports: { port: number }[]; ips: string[] } }>(importRef).then((o) => o ?? undefined),
      { timeoutMs: 30_000, what: 'ServiceImport on the config cluster' },
    );
    expect(imported.spec.ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(imported.spec.ips).toHaveLength(1);
    // Tokyo is a fleet member (onboarded during setup): the import reaches it too.
    await pollUntil(() => tokyo.get(importRef).then((o) => o ?? undefined), { timeoutMs: 30_000, what: 'ServiceImport in mc-gw-tokyo' });
    await kube.delete(exportRef);
    await pollUntil(async () => ((await kube.get(importRef)) === null && (await tokyo.get(importRef)) === null ? true : undefined), {
      timeoutMs: 30_000,
      what: 'ServiceImport removal',
    });
  });
});
