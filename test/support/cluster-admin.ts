/**
 * A platform team's own access to the sandbox's clusters (GKE and attached), from the sandbox's
 * admin kubeconfig: what it does there besides fleetpilot (an Istio install, an autoscaler change).
 */
import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createKubeAdapter, type KubeAdapter } from '../../shared/adapters/kube.ts';
import { kubeConfigFor } from '../../shared/adapters/kube-config.ts';
import { eastWestGatewayService, eastWestGatewayStatus } from '../../sandbox/east-west-gateway.ts';
import { sandboxInfo } from './sandbox-clients.ts';

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
