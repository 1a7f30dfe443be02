/**
 * The demo fleet of the classic multi-cluster Gateway example: a config cluster and two member
 * clusters in Tokyo and Osaka, each running the `store` application's Service. Clusters are created
 * through the Container API double, exactly as a user's `gcloud container clusters create` would,
 * so each creation publishes its audit-log entries.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from '../shared/core/logger.ts';
import type { SandboxInfra } from './sandbox.ts';
import { timed } from './progress.ts';

/** One demo cluster. */
export interface DemoCluster {
  name: string;
  location: string;
  region: string;
  /** Registered in the fleet at creation (the platform team's existing config cluster). */
  registerAtCreation: boolean;
}

/** The classic example's clusters. */
export const DEMO_CLUSTERS: readonly DemoCluster[] = [
  { name: 'mc-gw-config-cluster', location: 'asia-northeast1-b', region: 'asia-northeast1', registerAtCreation: true },
  { name: 'mc-gw-tokyo', location: 'asia-northeast1-b', region: 'asia-northeast1', registerAtCreation: false },
  { name: 'mc-gw-osaka', location: 'asia-northeast2-b', region: 'asia-northeast2', registerAtCreation: false },
];

/** The demo application. */
export const DEMO_APP = { namespace: 'store', service: 'store', port: 8080, host: 'store.example.com' } as const;

/** The application objects a team deploys in each cluster before fleetpilot gets involved. */
export function storeApplication(): KubernetesObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: DEMO_APP.namespace } },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: DEMO_APP.service, namespace: DEMO_APP.namespace, labels: { app: 'store' } },
      spec: { selector: { app: 'store' }, ports: [{ name: 'http', port: DEMO_APP.port, targetPort: DEMO_APP.port, protocol: 'TCP' }] },
    } as KubernetesObject,
  ];
}

/** Creates one cluster through the Container API (the sandbox's cluster template deploys the store application). */
export async function createDemoCluster(sandbox: SandboxInfra, cluster: DemoCluster, log: Logger): Promise<void> {
  const { container } = sandbox.adapters;
  await timed(log, `create cluster ${cluster.name} (${cluster.location})`, async () => {
    if (!(await container.getCluster(cluster.location, cluster.name))) {
      const op = await container.createCluster(cluster.location, {
        name: cluster.name,
        initialNodeCount: 3,
        // Members opt in to onboarding by label; the config cluster hosts routes and serves no traffic.
        resourceLabels: cluster.registerAtCreation
          ? { env: 'demo', role: 'config' }
          : { env: 'demo', app: 'store', 'fleetpilot-onboard': 'true' },
        workloadIdentityConfig: { workloadPool: `${sandbox.config.FLEETPILOT_PROJECT_ID}.svc.id.goog` },
        ...(cluster.registerAtCreation ? { fleet: { project: `projects/${sandbox.config.FLEETPILOT_PROJECT_NUMBER}` } } : {}),
      });
      await container.waitForOperation(cluster.location, op.split('/').pop()!);
    }
  });
}

/** Creates the demo fleet: the config cluster first (it exists before members join), then the members in parallel. */
export async function createDemoFleet(sandbox: SandboxInfra, log: Logger): Promise<void> {
  const [config, ...members] = DEMO_CLUSTERS;
  await createDemoCluster(sandbox, config!, log);
  await Promise.all(members.map((c) => createDemoCluster(sandbox, c, log)));
}
