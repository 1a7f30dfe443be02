/**
 * Stand-in for what GKE does on the config cluster once the multiclusteringress feature names it:
 * the multi-cluster GatewayClasses appear there (`gke-l7-*-mc`). Applied once per cluster, as the
 * controller would (the sandbox's GKE stand-ins share one field manager); fleetpilot never writes them, its preflight reads them.
 */
import type { KubeAdapter } from '../shared/adapters/kube.ts';

/** The multi-cluster GatewayClasses GKE installs on a config cluster. */
export const MULTI_CLUSTER_GATEWAY_CLASSES = [
  'gke-l7-global-external-managed-mc',
  'gke-l7-regional-external-managed-mc',
  'gke-l7-rilb-mc',
  'gke-l7-gxlb-mc',
] as const;

/** Returns a function that installs the classes on a config cluster the first time it is named. */
export function gatewayClassInstaller(): (cluster: string, kube: KubeAdapter) => Promise<void> {
  const done = new Set<string>();
  return async (cluster, kube) => {
    if (done.has(cluster)) return;
    for (const name of MULTI_CLUSTER_GATEWAY_CLASSES) {
      await kube.apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GatewayClass',
        metadata: { name },
        spec: { controllerName: 'networking.gke.io/gateway', description: 'Multi-cluster GatewayClass (sandbox stand-in for GKE)' },
      });
    }
    done.add(cluster);
  };
}
