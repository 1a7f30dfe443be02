/**
 * The `store` application's Deployment and HorizontalPodAutoscaler in a sandbox cluster, with the
 * status a controller would write: what fleetpilot's capacity guard reads. No controller runs in
 * the sandbox, so the Deployment creates no Pods (the template's Pods stand for them) and its status
 * and the autoscaler's maximum are set here, as tests and the demo need them.
 */
import { AppsV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { KubeAdapter } from '../shared/adapters/kube.ts';
import { DEMO_APP } from './demo-fleet.ts';

/** The autoscaler's maximum in a new cluster. */
export const DEFAULT_MAX_REPLICAS = 4;

/** The Deployment the Pods of the template stand for. */
export function storeDeployment(replicas: number): KubernetesObject {
  const labels = { app: 'store' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: DEMO_APP.service, namespace: DEMO_APP.namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'store', image: 'registry.example/store:1', ports: [{ containerPort: DEMO_APP.port }] }] },
      },
    },
  } as KubernetesObject;
}

/** Its autoscaler, up to `maxReplicas`. */
export function storeAutoscaler(maxReplicas: number): KubernetesObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: DEMO_APP.service, namespace: DEMO_APP.namespace },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: DEMO_APP.service },
      minReplicas: 1,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
    },
  } as KubernetesObject;
}

/** Sets the ready replicas (Deployment status, as its controller writes it) and/or the autoscaler's maximum. */
export async function setStoreScale(
  kube: KubeAdapter,
  kubeConfig: KubeConfig,
  scale: { ready?: number; maxReplicas?: number },
): Promise<void> {
  if (scale.maxReplicas !== undefined) await kube.apply(storeAutoscaler(scale.maxReplicas));
  if (scale.ready !== undefined) {
    const r = scale.ready;
    await kubeConfig.makeApiClient(AppsV1Api).patchNamespacedDeploymentStatus(
      {
        name: DEMO_APP.service,
        namespace: DEMO_APP.namespace,
        body: { status: { replicas: r, readyReplicas: r, availableReplicas: r, updatedReplicas: r, observedGeneration: 1 } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }
}

/** What the template deploys: the Deployment at `ready` ready replicas and its autoscaler. */
export async function deployStoreScaling(kube: KubeAdapter, kubeConfig: KubeConfig, ready: number): Promise<void> {
  await kube.apply(storeDeployment(ready));
  await setStoreScale(kube, kubeConfig, { ready, maxReplicas: DEFAULT_MAX_REPLICAS });
}
