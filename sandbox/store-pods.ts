/**
 * The `store` application's running replicas as a kubelet and Kubernetes' controllers would leave
 * them: one Pod per template node, Running and Ready with a pod IP, and the EndpointSlice the
 * EndpointSlice controller writes for the `store` Service. The sandbox's API servers run no
 * kubelet and no controller manager, so nothing else would; istiod builds its endpoints (and their
 * localities, through the Pods' Nodes) from exactly these objects.
 */
import { createHash } from 'node:crypto';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import type { KubeAdapter } from '../shared/adapters/kube.ts';
import type { KubeConfig } from '@kubernetes/client-node';
import { DEMO_APP } from './demo-fleet.ts';

/** One replica of the store application. */
export interface StoreReplica {
  name: string;
  node: string;
  ip: string;
}

/**
 * The store replicas of a cluster, one per node. Pod IPs are derived from the cluster's name, so
 * they are stable across restarts and (in practice) distinct between clusters, as on one VPC.
 */
export function storeReplicas(cluster: string, nodes: readonly string[]): StoreReplica[] {
  const h = createHash('sha256').update(cluster).digest();
  return nodes.map((node, i) => ({
    name: `store-${h.toString('hex').slice(0, 6)}-${i}`,
    node,
    ip: `10.${(h[0]! % 200) + 20}.${h[1]!}.${(h[2]! & 0xf0) + 2 + i}`,
  }));
}

/** The Pod of one replica, bound to its node (the scheduler's part), without status. */
export function storePod(replica: StoreReplica): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    // The label Istio's injector puts on a pod with a sidecar: cross-network traffic needs its mTLS.
    metadata: { name: replica.name, namespace: DEMO_APP.namespace, labels: { app: 'store', 'security.istio.io/tlsMode': 'istio' } },
    spec: {
      nodeName: replica.node,
      automountServiceAccountToken: false,
      containers: [
        { name: 'store', image: 'gcr.io/google-samples/whereami:v1.2.20', ports: [{ name: 'http', containerPort: DEMO_APP.port }] },
      ],
    },
  };
}

/** The status a kubelet reports for a started, ready replica. */
export function storePodStatus(replica: StoreReplica): Record<string, unknown> {
  const ready = (type: string) => ({ type, status: 'True', lastTransitionTime: new Date().toISOString() });
  return {
    phase: 'Running',
    podIP: replica.ip,
    podIPs: [{ ip: replica.ip }],
    conditions: ['Initialized', 'ContainersReady', 'Ready', 'PodScheduled'].map(ready),
    containerStatuses: [
      {
        name: 'store',
        image: storePod(replica).spec!.containers[0]!.image,
        imageID: '',
        ready: true,
        started: true,
        restartCount: 0,
        state: { running: { startedAt: new Date().toISOString() } },
      },
    ],
  };
}

/** The EndpointSlice the EndpointSlice controller keeps for the `store` Service. */
export function storeEndpointSlice(replicas: readonly StoreReplica[], uids: ReadonlyMap<string, string>): KubernetesObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${DEMO_APP.service}-sandbox`,
      namespace: DEMO_APP.namespace,
      labels: {
        'kubernetes.io/service-name': DEMO_APP.service,
        'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io',
      },
    },
    addressType: 'IPv4',
    endpoints: replicas.map((r) => ({
      addresses: [r.ip],
      conditions: { ready: true, serving: true, terminating: false },
      nodeName: r.node,
      targetRef: { kind: 'Pod', namespace: DEMO_APP.namespace, name: r.name, uid: uids.get(r.name) },
    })),
    ports: [{ name: 'http', port: DEMO_APP.port, protocol: 'TCP' }],
  } as KubernetesObject;
}

/** Creates (or keeps) the store replicas' Pods with their status, and their EndpointSlice. */
export async function deployStorePods(
  kube: KubeAdapter,
  kubeConfig: KubeConfig,
  cluster: string,
  nodes: readonly string[],
): Promise<StoreReplica[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const replicas = storeReplicas(cluster, nodes);
  const uids = new Map<string, string>();
  // The service account controller's part: Pods are refused until their namespace's `default` exists.
  await kube.apply({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: DEMO_APP.namespace } });
  for (const replica of replicas) {
    const { object } = await kube.apply(storePod(replica));
    uids.set(replica.name, object.metadata?.uid ?? '');
    // The status subresource, as the kubelet writes it; merge patch leaves the spec alone.
    await core.patchNamespacedPodStatus(
      { name: replica.name, namespace: DEMO_APP.namespace, body: { status: storePodStatus(replica) } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
  await kube.apply(storeEndpointSlice(replicas, uids));
  return replicas;
}
