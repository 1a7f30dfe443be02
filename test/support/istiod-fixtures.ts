/**
 * What the istiod contract tests share: the store Pods' IPs, readers of a sidecar's endpoint
 * assignment, and the east-west gateway an Istio install leaves in a cluster.
 */
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createKubeAdapter, type KubeAdapter } from '../../shared/adapters/kube.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import { templateNodes } from '../../sandbox/cluster-template.ts';
import { eastWestGatewayService, eastWestGatewayStatus } from '../../sandbox/east-west-gateway.ts';
import { storeReplicas } from '../../sandbox/store-pods.ts';
import type { ProbeAssignment } from '../../sandbox/xds-probe.ts';
import { sandboxInfo } from './sandbox-clients.ts';

/** The store service's outbound cluster, as a sidecar names it. */
export const STORE = 'outbound|8080||store.store.svc.cluster.local';

/** The store Pods' IPs in a sandbox cluster, as its cluster template created them. */
export const podIps = (cluster: string): string[] =>
  storeReplicas(
    cluster,
    templateNodes(cluster).map((n) => n.metadata!.name!),
  )
    .map((r) => r.ip)
    .sort();

/** `ADDRESS` of every endpoint a sidecar is sent in `region`. */
export const addresses = (a: ProbeAssignment, region: string): string[] =>
  a.localities
    .filter((l) => l.region === region)
    .flatMap((l) => l.endpoints.map((e) => e.address))
    .sort();

/** `ADDRESS:PORT` of every endpoint a sidecar is sent in `region`. */
export const endpoints = (a: ProbeAssignment, region: string): string[] =>
  a.localities
    .filter((l) => l.region === region)
    .flatMap((l) => l.endpoints.map((e) => `${e.address}:${e.port}`))
    .sort();

/** Each region's priority (0 is tried first). */
export const priorities = (a: ProbeAssignment): Record<string, number> =>
  Object.fromEntries(a.localities.map((l) => [l.region, l.priority]));

/** The regions a sidecar may send to: some weight and some endpoint. */
export const serving = (a: ProbeAssignment): string[] =>
  a.localities
    .filter((l) => l.weight > 0 && l.endpoints.length > 0)
    .map((l) => l.region)
    .sort();

/** Server and CA of a sandbox cluster, GKE or attached, from the sandbox's admin kubeconfig. */
export function sandboxClusterAccess(name: string): { server: string; caPem: string; kubeConfig: KubeConfig } {
  const file = new KubeConfig();
  file.loadFromFile(sandboxInfo().kubeconfigPath);
  const cluster = file.getCluster(name);
  if (!cluster?.caData) throw new Error(`no cluster ${name} in the sandbox kubeconfig`);
  const caPem = Buffer.from(cluster.caData, 'base64').toString('utf8');
  return { server: cluster.server, caPem, kubeConfig: kubeConfigFor({ name, server: cluster.server, caPem, token: sandboxInfo().token }) };
}

/** An admin's adapter for a sandbox cluster (what a platform team's Istio install would use). */
export function adminKube(name: string): KubeAdapter {
  return createKubeAdapter(sandboxClusterAccess(name).kubeConfig, 'istio-install');
}

/** What the platform team's Istio install leaves in a cluster: an east-west gateway with a load-balancer address. */
export async function installEastWestGateway(cluster: string, network: string, ip: string): Promise<void> {
  const { kubeConfig } = sandboxClusterAccess(cluster);
  const kube = createKubeAdapter(kubeConfig, 'istio-install');
  await kube.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-system' } });
  await kube.apply(eastWestGatewayService(network));
  await kubeConfig
    .makeApiClient(CoreV1Api)
    .patchNamespacedServiceStatus(
      { name: 'istio-eastwestgateway', namespace: 'istio-system', body: { status: eastWestGatewayStatus(ip) } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
}

/** Removes what {@link installEastWestGateway} and fleetpilot's network wiring left in a cluster. */
export async function uninstallNetwork(cluster: string): Promise<void> {
  const kube = adminKube(cluster);
  await kube.delete({ apiVersion: 'v1', kind: 'Service', namespace: 'istio-system', name: 'istio-eastwestgateway' });
  await kube.delete({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', namespace: 'istio-system', name: 'cross-network-gateway' });
  await kube.mergePatch(
    { apiVersion: 'v1', kind: 'Namespace', name: 'istio-system' },
    { metadata: { labels: { 'topology.istio.io/network': null } } },
  );
}
