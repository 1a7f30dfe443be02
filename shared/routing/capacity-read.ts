/**
 * Reads what the capacity guard needs, in every serving cluster: each routed service's Deployment
 * (ready replicas) and HorizontalPodAutoscaler (`maxReplicas`), both named after the service in its
 * namespace. Only when `safety.capacity` is set; a cluster that cannot be read counts nothing.
 */
import type { ClusterInfo } from '../adapters/container.ts';
import { memberKubes, type MemberKubeDeps } from '../adapters/member-kubes.ts';
import type { FleetConfig } from '../config/fleet-config.ts';
import type { FleetCapacity } from '../failover/index.ts';
import { mapBounded } from './bounded.ts';
import type { RoutingObservation } from './observation.ts';

/** Reads at once, over every cluster. */
const READ_CONCURRENCY = 16;

type Deployment = { spec?: { replicas?: number }; status?: { readyReplicas?: number } };
type Autoscaler = { spec?: { maxReplicas?: number } };

/** The capacity of every service with a Deployment found, and the clusters that could not be read. */
export async function readCapacity(
  deps: MemberKubeDeps,
  config: FleetConfig,
  observed: RoutingObservation,
  clusters?: readonly ClusterInfo[],
): Promise<{ capacity: FleetCapacity; unread: string[] }> {
  const kubeOf = memberKubes(deps, config.fleet.project, clusters);
  const serving = observed.clusters.filter((c) => c.phase === 'serving');
  const reads = serving.flatMap((cluster) => config.services.map((service) => ({ cluster, service })));
  const unread = new Set<string>();
  const found = await mapBounded(reads, READ_CONCURRENCY, async ({ cluster, service }) => {
    try {
      const kube = await kubeOf(cluster);
      if (!kube) return undefined;
      const ref = { namespace: service.namespace, name: service.name };
      const [deployment, autoscaler] = await Promise.all([
        kube.get({ apiVersion: 'apps/v1', kind: 'Deployment', ...ref }),
        kube.get({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', ...ref }),
      ]);
      if (!deployment) return undefined;
      const d = deployment as Deployment;
      const ready = d.status?.readyReplicas ?? 0;
      const max = (autoscaler as Autoscaler | null)?.spec?.maxReplicas ?? d.spec?.replicas ?? ready;
      return { service: service.name, region: cluster.region, ready, max };
    } catch {
      unread.add(cluster.name);
      return undefined;
    }
  });
  const capacity: FleetCapacity = {};
  for (const f of found) {
    if (!f) continue;
    const regions = (capacity[f.service] ??= {});
    const r = (regions[f.region] ??= { ready: 0, max: 0 });
    r.ready += f.ready;
    r.max += f.max;
  }
  return { capacity, unread: [...unread].sort() };
}
