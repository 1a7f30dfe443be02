/**
 * What every new sandbox cluster comes with, as if a platform's cluster template deployed it: the
 * demo `store` application's namespace and Service (fleetpilot derives its exports from it), its
 * nodes, the application's running Pods with their EndpointSlice (what istiod reads), and the
 * cluster's kube-root-ca.crt.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { createKubeAdapter } from '../shared/adapters/kube.ts';
import { deployStoreScaling } from './store-scaling.ts';
import { kubeConfigFor } from '../shared/adapters/kube-config.ts';
import { withRetry } from '../shared/core/retry.ts';
import { storeApplication } from './demo-fleet.ts';
import { deployStorePods } from './store-pods.ts';
import type { KubeCluster } from './kube-fleet.ts';

/**
 * Node objects as a node pool would register them. The API server has no kubelets, so these stand
 * for the nodes; like nodes of attached or on-prem clusters they carry no topology labels.
 */
export function templateNodes(cluster: string): KubernetesObject[] {
  return [0, 1].map((i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `${cluster}-pool-${i}`, labels: { 'kubernetes.io/hostname': `${cluster}-pool-${i}`, 'kubernetes.io/os': 'linux' } },
  }));
}

/** Deploys the template into a just-started cluster. */
export async function deployClusterTemplate(cluster: KubeCluster, token: string): Promise<void> {
  const kubeConfig = kubeConfigFor({ name: cluster.name, server: cluster.server, caPem: cluster.caPem, token });
  const kube = createKubeAdapter(kubeConfig, 'cluster-template');
  const nodes = templateNodes(cluster.name);
  // A fresh API server may answer 429 while its storage initialises.
  const retrying = <T>(fn: () => Promise<T>) => withRetry(fn, { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 });
  // What the controller manager's root-CA publisher writes: the CA that signs the API server's certificate.
  const rootCa = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'kube-root-ca.crt', namespace: 'kube-system' },
    data: { 'ca.crt': cluster.caPem },
  };
  for (const obj of [...storeApplication(), ...nodes, rootCa]) await retrying(() => kube.apply(obj));
  const replicas = await retrying(() =>
    deployStorePods(
      kube,
      kubeConfig,
      cluster.name,
      nodes.map((n) => n.metadata!.name!),
    ),
  );
  await retrying(() => deployStoreScaling(kube, kubeConfig, replicas.length));
}
